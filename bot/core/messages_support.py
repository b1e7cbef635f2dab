"""The sentences of asking support (求助): the request, its answer, the two forms and what is
refused, in Chinese and English."""

SUPPORT_MESSAGES: dict[str, tuple[str, str]] = {
    "sup_btn_ask": ("求助", "Ask support"),
    "sup_btn_answer": ("回答", "Answer"),
    "sup_send": ("发送", "Send"),
    "field_question": ("问题", "Question"),
    "field_answer": ("回答", "Answer"),
    "sup_ask_title": ("求助 #{number}", "Ask about #{number}"),
    "sup_ask_intro": (
        "问题会发给本阶段被咨询的角色（没有时发给销售支持），回答会私信给你。",
        "The question goes to the role this stage consults (else sales support); the answer comes to you by DM.",
    ),
    "sup_answer_title": ("回答求助", "Answer a question"),
    "sup_asked_by": ("<@{user}> 问：", "<@{user}> asks:"),
    "sup_request_head": ("<@{user}> 向{role}求助：", "<@{user}> asks {role} for help:"),
    "sup_request_answered": ("✅ <@{user}> 已回答：", "✅ Answered by <@{user}>:"),
    "sup_answer_head": ("<@{user}> 回答了你关于 #{number} 的求助", "<@{user}> answered your question about #{number}"),
    "sup_your_question": ("你的问题：", "Your question:"),
    "sup_asked": (
        "已就 #{number} 向{role}求助（{count} 人），回答会私信给你。",
        "Asked {role} about #{number} (sent to {count}); the answer will come to you by DM.",
    ),
    "sup_answered": ("已回答，回答已记录在 #{number} 上并私信给 <@{user}>。", "Answered: it is logged on #{number} and sent to <@{user}>."),
    "sup_need_question": (
        "请写下问题，例如 `/opp 求助 {number} 客户要求单点登录，我们支持吗？`",
        "Write your question after the deal number, e.g. `/opp ask {number} Can we do single sign-on?`",
    ),
    "sup_need_answer": ("请写下回答。", "Write your answer."),
    "sup_deal_closed": (
        "#{number} {status_name}：求助只用于进行中的商机。",
        "#{number} is already {status_name}: ask for support on an open deal.",
    ),
    "sup_nobody": (
        "#{number} 这个阶段没有人可以回答：团队里还没有{role}。请管理员设置，例如 `/opp 团队 设置 @某人 角色:销售支持`。",
        "Nobody can answer about #{number} at this stage: the team has no {role} yet. An admin can add one: `/opp team set @someone role:support`.",
    ),
    "sup_unknown_request": ("找不到这个求助。", "That question can't be found."),
    "sup_already_answered": (
        "这个关于 #{number} 的求助已由 <@{user}> 在 {at} 回答了。",
        "This question about #{number} was already answered by <@{user}> at {at}.",
    ),
    "sup_not_yours": (
        "这个关于 #{number} 的求助是问{role}的：只有{role}或管理员可以回答。",
        "This question about #{number} is for {role}: only {role} or an admin can answer it.",
    ),
    "ev_support_asked": ("求助：{new}", "asked for support: {new}"),
    "ev_support_answered": ("回答了求助：{new}", "answered a support question: {new}"),
}
