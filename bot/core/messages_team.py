"""The sentences about people: roles, responsibility per stage, assignment and its offers, the
public pool, `/opp team` and `/opp who`, who may change whom, and answers to a request Slack sent
twice, as (Chinese, English) pairs by key. Part of the message tables of bot.core.messages."""

from __future__ import annotations

TEAM_MESSAGES: dict[str, tuple[str, str]] = {
    # --- roles, responsibility, assignment, the public pool, permissions (bot.deals.permissions,
    # bot.team.assignment, bot.deals.pool, handlers.team) ---
    "perm_owner": ("负责人 <@{user}>", "its owner <@{user}>"),
    "perm_responsible": ("当前阶段负责人 <@{user}>", "the person responsible now <@{user}>"),
    "perm_manager": ("其经理 <@{user}>", "their manager <@{user}>"),
    "perm_any_manager": ("任一经理", "any manager"),
    "perm_consulted": ("本阶段被咨询的{roles}", "the {roles} consulted in this stage"),
    "perm_join": ("、", ", "),
    "perm_nobody": ("其经理", "their manager"),
    "assign_not_allowed": ("你不能分配 #{number}：只有{who}或管理员可以分配。", "You can't assign #{number}: only {who} or an admin can."),
    "claim_not_allowed": (
        "你不能认领 #{number}：只有公海里的商机可以认领，且只有商机开发、客户经理和经理可以认领。",
        "You can't claim #{number}: only deals in the public pool can be claimed, by BDRs, account managers and managers.",
    ),
    "team_not_allowed": ("只有经理或管理员可以修改团队设置。", "Only a manager or an admin can change the team."),
    "role_bdr": ("商机开发", "BDR"),
    "role_ae": ("客户经理", "account manager"),
    "role_support": ("销售支持", "sales support"),
    "role_manager": ("经理", "manager"),
    "role_admin": ("管理员", "admin"),
    "strategy_round_robin": ("轮流分配", "round robin"),
    "strategy_least_loaded": ("负载最低", "least loaded"),
    "strategy_manual": ("手动", "manual"),
    "as_explain": (
        "按规则「{rule}」分配给 <@{user}> — {strategy}，{open}/{capacity} 个进行中",
        "assigned to <@{user}> by rule '{rule}' — {strategy}, {open} of {capacity} open",
    ),
    "as_explain_nocap": ("按规则「{rule}」分配给 <@{user}> — {strategy}，{open} 个进行中", "assigned to <@{user}> by rule '{rule}' — {strategy}, {open} open"),
    "as_default_rule": ("默认", "default"),
    "as_to_pool": ("#{number} {title} 进入公海：{why}", "#{number} {title} went to the public pool: {why}"),
    "as_why_manual": ("规则「{rule}」为手动分配", "rule '{rule}' assigns by hand"),
    "as_why_nobody": (
        "规则「{rule}」没有可分配的人（都在休假、已满或不负责该区域/行业）",
        "nobody is eligible under rule '{rule}' (away, at capacity or outside their territory)",
    ),
    "as_why_passed": ("规则「{rule}」没有其他可分配的人", "nobody else is eligible under rule '{rule}'"),
    "as_why_idle": ("负责人 <@{user}> {days} 天没有跟进", "its owner <@{user}> logged nothing for {days} days"),
    "as_why_released": ("<@{user}> 放弃了它", "<@{user}> gave it up"),
    "as_offer": (
        "*#{number} {title}* 分配给了你（{role}）。{explain}。请在 {hours} 小时内接受或拒绝。",
        "*#{number} {title}* is yours ({role}). {explain}. Please accept or decline within {hours} hours.",
    ),
    "as_accept": ("接受", "Accept"),
    "as_decline": ("拒绝", "Decline"),
    "as_accepted": ("你接受了 #{number}。", "You accepted #{number}."),
    "as_declined_next": ("你拒绝了 #{number}，已转给 <@{next}>。", "You declined #{number}; it was offered to <@{next}> next."),
    "as_declined_pool": (
        "你拒绝了 #{number}，没有其他可分配的人，已退回公海。",
        "You declined #{number}; it returned to the public pool (nobody else eligible).",
    ),
    "as_declined_moved": (
        "你拒绝了 #{number}；它已经转给别人或已关闭，没有变动。",
        "You declined #{number}; it had already moved on or closed, so nothing changed.",
    ),
    "as_offer_gone": ("这个分配已经处理过了。", "That offer has already been answered or has passed on."),
    "as_decline_title": ("拒绝分配", "Decline"),
    "as_decline_reason": ("原因", "Reason"),
    "as_decline_need_reason": ("请写明拒绝原因。", "Say why you decline."),
    "as_decline_send": ("拒绝", "Decline"),
    "as_cancel": ("取消", "Cancel"),
    "as_channel_post": ("#{number} {title}：{explain}", "#{number} {title}: {explain}"),
    "as_channel_declined": ("<@{user}> 拒绝了 #{number}（{reason}）", "<@{user}> declined #{number} ({reason})"),
    "as_expired_next": (
        "<@{user}> 在 {hours} 小时内没有回应 #{number} {title} 的分配，已转给下一位 <@{next}>。",
        "<@{user}> did not answer the offer of #{number} {title} within {hours} hours; it was offered to <@{next}> next.",
    ),
    "as_expired_pool": (
        "<@{user}> 在 {hours} 小时内没有回应 #{number} {title} 的分配，没有其他可分配的人，已退回公海。",
        "<@{user}> did not answer the offer of #{number} {title} within {hours} hours; it returned to the public pool (nobody else eligible).",
    ),
    "as_expired_moved": (
        "<@{user}> 在 {hours} 小时内没有回应 #{number} {title} 的分配；商机已经转给别人或已关闭，没有变动。",
        "<@{user}> did not answer the offer of #{number} {title} within {hours} hours; the deal had already moved on or closed, so nothing changed.",
    ),
    "as_stage_told_owner": (
        "#{number} {title} 进入「{stage}」，由 <@{user}>（{role}）负责这一阶段。",
        "#{number} {title} entered {stage}; <@{user}> ({role}) is responsible for this stage.",
    ),
    "as_manual_assigned": ("#{number} 已分配给 <@{user}>", "#{number} assigned to <@{user}>"),
    "as_manual_dm": ("<@{by}> 把 *#{number} {title}* 分配给了你。", "<@{by}> assigned *#{number} {title}* to you."),
    "as_manual_post": (
        "<@{by}> 把 #{number} {title} 分配给了 <@{user}>（原负责人 <@{old}>）",
        "<@{by}> assigned #{number} {title} to <@{user}> (was <@{old}>)",
    ),
    "as_manual_post_pooled": (
        "<@{by}> 把公海里的 #{number} {title} 分配给了 <@{user}>",
        "<@{by}> gave #{number} {title} from the public pool to <@{user}>",
    ),
    "as_need_user": ("请 @ 要分配的人，例如 `/opp assign 42 @li`。", "Mention who gets it, e.g. `/opp assign 42 @li`."),
    "as_already_owner": ("<@{user}> 已经是 #{number} 的负责人。", "<@{user}> already owns #{number}."),
    "as_at_capacity": (
        "<@{user}> 已有 {open} 个进行中的商机，达到上限 {capacity}。",
        "<@{user}> already holds {open} open deals, their capacity of {capacity}.",
    ),
    "pool_title": ("*公海*（{total} 个）", "*Public pool* ({total})"),
    "pool_empty": ("公海里没有商机。", "The public pool is empty."),
    "pool_line": ("*#{number}* {title} · {stage} · {amount} · 进入公海 {since}", "*#{number}* {title} · {stage} · {amount} · pooled {since}"),
    "pool_claim": ("认领", "Claim"),
    "pool_claimed": ("你认领了 #{number}。", "You claimed #{number}."),
    "pool_already_claimed": ("#{number} 已经被 <@{user}> 认领了。", "#{number} was already claimed by <@{user}>."),
    "pool_not_in_pool": ("#{number} 不在公海里（负责人 <@{user}>）。", "#{number} is not in the public pool (owner <@{user}>)."),
    "pool_post_claimed": ("<@{user}> 从公海认领了 #{number} {title}", "<@{user}> claimed #{number} {title} from the public pool"),
    "pool_returned_dm": ("#{number} {title} 已退回公海：{why}。", "#{number} {title} went back to the public pool: {why}."),
    "team_title": ("*团队*（{count} 人）", "*Team* ({count})"),
    "team_line": (
        "<@{user}> · {role}{manager}{regions}{industries} · {open}/{capacity}{away}",
        "<@{user}> · {role}{manager}{regions}{industries} · {open}/{capacity}{away}",
    ),
    "team_manager": (" · 经理 <@{user}>", " · manager <@{user}>"),
    "team_away": (" · 休假至 {day}", " · away until {day}"),
    "team_no_cap": ("不限", "no limit"),
    "team_load_title": (
        "*团队负载*（进行中/上限 · 金额 · 逾期 · 近 {days} 天的分配）",
        "*Workload* (open of capacity · amount · overdue · offers in the last {days} days)",
    ),
    "team_load_line": (
        "<@{user}> · {load} · {amount} · 逾期 {overdue} · {offers}{away}",
        "<@{user}> · {load} · {amount} · {overdue} overdue · {offers}{away}",
    ),
    "team_load_held": ("进行中 {open}/{capacity}", "{open} of {capacity} open"),
    "team_load_held_nocap": ("进行中 {open}（不限）", "{open} open (no limit)"),
    "team_load_offers": (
        "分配 {offered}：接受 {accepted}、拒绝 {declined}、超时 {expired}",
        "offered {offered}: {accepted} accepted, {declined} declined, {expired} expired",
    ),
    "team_full": (" · 已满", " · full"),
    "team_set_done": ("已更新 <@{user}>：{changes}", "Updated <@{user}>: {changes}"),
    "team_set_help": (
        "用法：`/opp team set @某人 role:ae region:华东 industry:制造 capacity:25 manager:@经理`（角色：bdr、ae、support、manager、admin）。",
        "Usage: `/opp team set @someone role:ae region:East industry:manufacturing capacity:25 manager:@boss` (roles: bdr, ae, support, manager, admin).",
    ),
    "team_away_done": ("<@{user}> 休假至 {day}，期间不会分配新商机。", "<@{user}> is away until {day}; no new deals go to them meanwhile."),
    "team_back": ("<@{user}> 已回来，可以分配商机。", "<@{user}> is back and can be assigned deals."),
    "team_away_help": (
        "用法：`/opp team away @某人 until 12月10日`，或 `/opp team away @某人 back`。",
        "Usage: `/opp team away @someone until Dec 10`, or `/opp team away @someone back`.",
    ),
    "who_title": ("*#{number} {title}* · {stage}", "*#{number} {title}* · {stage}"),
    "who_owner": ("负责人（商机）：{owner}", "Owner: {owner}"),
    "who_pooled": ("在公海中（无人负责），用 `/opp claim {number}` 认领", "in the public pool (nobody), `/opp claim {number}` to take it"),
    "who_responsible": ("本阶段负责（R，{role}）：<@{user}>", "Responsible now (R, {role}): <@{user}>"),
    "who_consulted": ("咨询（C）：{people}", "Consulted (C): {people}"),
    "who_informed": ("知会（I）：{people}", "Informed (I): {people}"),
    "who_next": ("下一阶段「{stage}」由 {role} 负责：{who}", "Next stage, {stage}, is the {role}'s: {who}"),
    "who_next_same": ("仍是 <@{user}>", "still <@{user}>"),
    "who_next_rules": ("按分配规则指定", "chosen by the assignment rules"),
    "who_last_stage": ("这是最后一个阶段。", "This is the last stage."),
    "who_none": ("—", "—"),
    "as_batch_dm": (
        "按分配规则，{count} 个新商机分配给了你，用 `/opp list` 查看。",
        "{count} new deals were assigned to you by the rules; see them with `/opp list`.",
    ),
    "as_batch_post": ("批量分配 {count} 个商机：{people}；进入公海 {pooled} 个", "Assigned {count} deals: {people}; {pooled} to the public pool"),
    # who may change whom (bot.team.changes)
    "team_own_role": (
        "不能修改自己的角色或经理，请另一位管理员修改。",
        "You can't change your own role or manager; another admin can.",
    ),
    "team_own_settings": (
        "不能修改自己的团队设置，请你的经理或管理员修改（休假可以自己设：`/opp team away @你 until 12月10日`）。",
        "You can't change your own team settings; your manager or an admin can (your time away you set yourself: `/opp team away @you until Dec 10`).",
    ),
    "team_not_your_report": (
        "<@{user}> 不向你汇报：经理只能修改向自己汇报的人。请管理员修改。",
        "<@{user}> does not report to you: a manager changes only the people who report to them. An admin can change them.",
    ),
    "team_role_admin_only": (
        "只有管理员可以任命经理或管理员；你可以设置 bdr、ae 或 support。",
        "Only an admin can make someone a manager or an admin; you can set bdr, ae or support.",
    ),
    "team_role_of_manager": (
        "<@{user}> 是经理或管理员：只有管理员可以修改经理或管理员的角色。",
        "<@{user}> is a manager or an admin: only an admin can change the role of a manager or an admin.",
    ),
    "team_not_a_manager": (
        "<@{user}> 不是经理，不能管理别人。先由管理员设置：`/opp team set @某人 role:manager`。",
        "<@{user}> is not a manager, so can't be anyone's manager; an admin can make them one first: `/opp team set @someone role:manager`.",
    ),
    "team_self_manager": ("<@{user}> 不能做自己的经理。", "<@{user}> can't be their own manager."),
    "team_manager_loop": (
        "<@{manager}> 向 <@{user}> 汇报，所以不能做 <@{user}> 的经理。",
        "<@{manager}> reports to <@{user}>, so <@{manager}> can't be <@{user}>'s manager.",
    ),
    # a request Slack sent twice (handlers.replays)
    "request_replayed": (
        "这个请求已经处理过了（Slack 发送了两次），只执行了一次。",
        "That request was already handled (Slack sent it twice); it was done once.",
    ),
}
