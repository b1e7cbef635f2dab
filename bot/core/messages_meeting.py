"""The sentences of the weekly review meeting (商机评审会: its agenda, the actions it assigns, who
may post it) and of customer needs (need: tags, the needs report for product), in Chinese and
English."""

MEETING_MESSAGES: dict[str, tuple[str, str]] = {
    "mt_title": ("商机评审会 · {day}", "Weekly deal review · {day}"),
    "mt_preview_title": ("商机评审会议程预览 · {day}", "Deal review agenda preview · {day}"),
    "mt_big_deals": (
        "大单：金额不低于 {amount} 的进行中商机（其他币种按汇率折算）。",
        "Big deals: open deals of {amount} or more (other currencies at their rates).",
    ),
    "mt_backwards": ("*⏪ 阶段倒退*（近 {days} 天，{total}）", "*⏪ Moved back a stage* (last {days} days, {total})"),
    "mt_stalled": ("*⏸ 停滞*（{total}）", "*⏸ Stalled* ({total})"),
    "mt_at_risk": ("*🔴 有风险*（{total}）", "*🔴 At risk* ({total})"),
    "mt_closing": ("*📅 本月预计成交*（{total}）", "*📅 Closing this month* ({total})"),
    "mt_actions": ("*📝 往期评审会未完成的行动*（{total}）", "*📝 Actions from earlier meetings not done yet* ({total})"),
    "mt_more": ("还有 {more} 个未显示（按金额从大到小显示前 {shown} 个）", "and {more} more not shown (the {shown} biggest are)"),
    "mt_more_actions": ("还有 {more} 项行动未显示（按截止日期显示前 {shown} 项）", "and {more} more actions not shown (the {shown} due first are)"),
    "mt_action_line": ("• *#{number}* {title} — {text} · {assignee} · {due}", "• *#{number}* {title} — {text} · {assignee} · {due}"),
    "mt_moved": ("⏪ {old} → {new}", "⏪ {old} → {new}"),
    "mt_due": ("截止 {day}", "due {day}"),
    "mt_overdue": ("🔴 已逾期 {days} 天", "🔴 {days} days overdue"),
    "mt_empty": (
        "本周没有需要评审的大单，也没有未完成的行动。🎉",
        "No big deal needs the meeting this week, and no action is open. 🎉",
    ),
    "mt_btn_assign": ("指派行动", "Assign action"),
    "mt_btn_done": ("完成", "Done"),
    "mt_posted": ("已把评审会议程发到 {channel}。", "Posted the review meeting's agenda to {channel}."),
    "mt_posted_today": (
        "今天已经把议程发到 {channel} 了。想现在看一眼：`/opp 评审 预览`（只有你能看到）。",
        "The agenda was already posted to {channel} today. To see it now: `/opp meeting preview` (only you see it).",
    ),
    "mt_no_channel": (
        "没有配置团队频道：请在 config.toml 的 [channels] 中设置 meeting 或 digest。现在可以用 `/opp 评审 预览` 查看议程。",
        "No team channel is set: add meeting or digest under [channels] in config.toml. Meanwhile `/opp meeting preview` shows the agenda.",
    ),
    "mt_not_allowed": (
        "只有经理和管理员可以发布评审会议程。你可以用 `/opp 评审 预览` 查看（只有你能看到）。",
        "Only managers and admins can post the review meeting's agenda. `/opp meeting preview` shows it to you alone.",
    ),
    "mt_usage": (
        "用法：`/opp 评审` 把议程发到团队频道（经理）；`/opp 评审 预览` 只给自己看。",
        "Usage: `/opp meeting` posts the agenda to the team channel (managers); `/opp meeting preview` shows it to you alone.",
    ),
    "mt_modal_title": ("指派行动 #{number}", "Action on #{number}"),
    "mt_modal_intro": (
        "成为 #{number} 的下一步，并留在评审会议程上直到完成。",
        "It becomes #{number}'s next step and stays on the meeting's agenda until done.",
    ),
    "field_mt_action": ("行动", "Action"),
    "field_mt_assignee": ("负责人", "Assignee"),
    "field_mt_due": ("截止日期", "Due"),
    "mt_action_required": ("请写下要做的行动，例如「周五前约 CFO 确认预算」。", "Say what is to be done, e.g. “meet the CFO about the budget by Friday”."),
    "mt_assignee_required": ("请选择负责这项行动的人。", "Pick who does it."),
    "mt_due_required": ("请选择截止日期。", "Pick the day it is due."),
    "mt_assigned": (
        "已为 #{number} 指派行动：{text}（{assignee}，截止 {due}），并设为下一步。",
        "Action assigned on #{number}: {text} ({assignee}, due {due}); it is the deal's next step now.",
    ),
    "mt_dm_title": ("评审会给你指派了一项行动", "The review meeting assigned you an action"),
    "mt_dm": ("<@{by}> 在评审会上给你指派了 *#{number} {title}* 的行动：", "<@{by}> assigned you an action on *#{number} {title}* at the review meeting:"),
    "mt_dm_due": ("截止 {due}。完成后点「完成」。", "Due {due}. Click Done when it is."),
    "mt_done": ("已完成 #{number} 的行动：{text}", "Done: the action on #{number}, {text}"),
    "mt_already_done": ("#{number} 的这项行动已由 <@{by}> 标记完成。", "This action on #{number} was already marked done by <@{by}>."),
    "mt_done_not_allowed": (
        "只有行动负责人 <@{assignee}>、#{number} 的负责人、经理或管理员可以把它标记为完成。",
        "Only the assignee <@{assignee}>, #{number}'s owner, a manager or an admin can mark it done.",
    ),
    "mt_action_not_found": ("找不到这项行动（可能已被删除）。", "That action can't be found."),
    "ev_meeting_action_assigned": ("评审会指派行动：{new}", "review meeting action assigned: {new}"),
    "ev_meeting_action_done": ("评审会行动完成：{new}", "review meeting action done: {new}"),
    # customer needs (need: tags) and the needs report
    "field_needs": ("客户需求", "Customer needs"),
    "hint_needs": ("用逗号分隔，例如 报表导出, 单点登录（存为 need: 标签）", "Comma-separated, e.g. report export, SSO (kept as need: tags)"),
    "rp_title_needs": ("客户需求报表 · {period}", "Customer needs · {period}"),
    "rp_needs_definition": (
        "统计期间内新建或处于进行中的商机（不含已合并、已删除）；进行中金额按当前状态，输单金额为期间内输掉的商机。需求来自 `need:` 标签（`/opp 标签 42 需求:报表导出`）。",
        "Counts the deals created in the period or open during it (merged and deleted deals left out); open value: those open now; "
        "lost value: those lost in the period. Needs are `need:` tags (`/opp tag 42 need:report-export`).",
    ),
    "rp_needs_head": ("*需求 · 商机数 · 进行中金额 · 输单金额*", "*Need · deals · open value · lost value*"),
    "rp_needs_line": ("{rank}. *{need}* · {count} 个商机 · 进行中 {open} · 输单 {lost}", "{rank}. *{need}* · deals: {count} · open {open} · lost {lost}"),
    "rp_needs_none": (
        "这段时间的商机没有记录客户需求。用 `/opp 标签 42 需求:报表导出` 或商机表单的「客户需求」记录。",
        "No deal of the period has a customer need recorded. Add one with `/opp tag 42 need:report-export` or the deal form's Customer needs.",
    ),
    "rp_needs_bar": ("进行中 {open}", "open {open}"),
    "rp_needs_axis": ("商机数", "Deals"),
    "rp_needs_more": ("还有 {more} 个需求未显示。", "and {more} more needs not shown."),
}
