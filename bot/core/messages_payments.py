"""The sentences of 回款 (payment plans and payments) and of 二次商机 (follow-on deals and the
account page), in Chinese and English."""

PAYMENT_MESSAGES: dict[str, tuple[str, str]] = {
    "pay_not_allowed": (
        "只有 #{number} 的负责人、其经理、财务或管理员可以管理它的回款。",
        "Only #{number}'s owner, their manager, finance or an admin can manage its payments.",
    ),
    "pay_not_won": ("#{number} 还没有赢单：回款计划和收款记录只用于赢单的商机。", "#{number} isn't won: payment plans and payments are for won deals."),
    "pay_usage": (
        "用法：`/opp 回款 42` 查看；`/opp 回款 42 计划 30% 2026-12-31, 70% 2027-03-31` 设置计划（比例或金额，加日期）；"
        "`/opp 回款 42 收到 15万 [日期]` 记录到账。",
        "Usage: `/opp pay 42` to see it; `/opp pay 42 plan 30% 2026-12-31, 70% 2027-03-31` to set the plan (a share or an amount, and a date); "
        "`/opp pay 42 received 15万 [date]` to record money in.",
    ),
    "pay_bad_part": (
        "读不懂计划中的「{value}」：每一项写比例或金额，再写日期，例如 `30% 2026-12-31` 或 `15万 下月底`。",
        "Couldn't read “{value}” in the plan: give each part a share or an amount, then a date, e.g. `30% 2026-12-31` or `150k end of next month`.",
    ),
    "pay_plan_size": ("回款计划需要 1 到 {most} 项。", "A payment plan needs 1 to {most} parts."),
    "pay_share_no_amount": ("这个商机没有金额，计划请写金额而不是比例。", "This deal has no amount: give the plan's parts as amounts, not shares."),
    "pay_shares_over": ("计划的比例加起来是 {total}%，最多 100%。", "The plan's shares add up to {total}%; at most 100%."),
    "pay_plan_over": ("计划合计 {total}，超过了商机金额 {amount}。", "The plan adds up to {total}, more than the deal's amount, {amount}."),
    "pay_amount_zero": ("金额要大于 0。", "An amount must be above 0."),
    "pay_currency": (
        "#{number} 以 {deal_currency} 计价，收款请用 {deal_currency}（你写的是 {currency}）。",
        "#{number} is in {deal_currency}: record payments in {deal_currency} (you gave {currency}).",
    ),
    "pay_in_future": ("到账日期 {day} 还没到：请记录已经收到的款项。", "{day} hasn't come yet: record money already received."),
    "pay_title": ("#{number} {title} · 回款", "#{number} {title} · payments"),
    "pay_no_plan": (
        "还没有回款计划：`/opp 回款 {number} 计划 30% 2026-12-31, 70% 2027-03-31`",
        "No payment plan yet: `/opp pay {number} plan 30% 2026-12-31, 70% 2027-03-31`",
    ),
    "pay_milestone_paid": ("✅ {amount}{share} · {due} 到期 · {paid} 收齐", "✅ {amount}{share} · due {due} · paid {paid}"),
    "pay_milestone_due": ("⏳ {amount}{share} · {due} 到期 · 已收 {received}", "⏳ {amount}{share} · due {due} · {received} received"),
    "pay_milestone_overdue": (
        "🔴 {amount}{share} · {due} 到期，已逾期 {days} 天 · 已收 {received}",
        "🔴 {amount}{share} · due {due}, {days} days overdue · {received} received",
    ),
    "pay_totals": ("*已收* {received} · *待收* {outstanding} · *逾期* {overdue}", "*Received* {received} · *to come* {outstanding} · *overdue* {overdue}"),
    "pay_received_line": ("{day} 收到 {amount}{note}", "{day}: {amount} received{note}"),
    "pay_planned": ("已设置 #{number} 的回款计划。", "Payment plan set for #{number}."),
    "pay_recorded": ("已记录 #{number} 收到 {amount}。", "Recorded {amount} received on #{number}."),
    "cond_payment_overdue": ("回款逾期", "Payment overdue"),
    "why_payment_overdue_today": ("{due} 到期的回款还有 {amount} 未收", "{amount} due {due} is still to come"),
    "why_payment_overdue": ("{due} 到期的回款还有 {amount} 未收，已逾期 {days} 天", "{amount} due {due} is still to come; {days} days overdue"),
    "rp_title_payments": ("回款报表 · {period}", "Payments · {period}"),
    "rp_cash_line": ("• {label}：计划 {planned} · 已收 {received} · 逾期 {overdue}", "• {label}: planned {planned} · received {received} · overdue {overdue}"),
    "rp_cash_total": ("*合计*", "*Total*"),
    "rp_cash_by_rep": ("*按负责人*", "*By rep*"),
    "rp_cash_none": ("这段时间没有到期的回款，也没有收款。", "No payments fell due or came in during this period."),
    "rp_cash_expected": ("*预计回款*：{amount}（本期到期、尚未收到）", "*Cash expected*: {amount} (falling due in the period, not yet in)"),
    "dg_cash": ("*回款*：本周到期 {due} · 已逾期 {overdue}", "*Payments*: due this week {due} · overdue {overdue}"),
    "dg_cash_overdue_item": ("• 🔴 #{number} {title} · {day} 到期 · 待收 {amount}", "• 🔴 #{number} {title} · due {day} · {amount} to come"),
    "dg_cash_due_item": ("• ⏳ #{number} {title} · {day} 到期 · 待收 {amount}", "• ⏳ #{number} {title} · due {day} · {amount} to come"),
    "followon_not_won": ("#{number} 还没有赢单：二次商机要从赢单的商机开始。", "#{number} isn't won: a follow-on deal grows from a won one."),
    "followon_usage": (
        "用法：`/opp 追加 42 二期扩容 30万`（标题，金额可选）",
        "Usage: `/opp followon 42 Phase 2 expansion 300k` (a title, and an amount if you have one)",
    ),
    "followon_created": ("已创建二次商机 #{number} {title}（来自 #{won}）。", "Created follow-on deal #{number} {title} (from #{won})."),
    "revisit": (
        "#{number} {title} 赢单已 {days} 天：回访 {account}，看看有没有二次商机？有的话用 `/opp 追加 {number} <标题> [金额]` 记下来。",
        "It's been {days} days since #{number} {title} was won: time to go back to {account} for a follow-on? "
        "`/opp followon {number} <title> [amount]` records one.",
    ),
    "account_usage": ("用法：`/opp 客户 <客户名称>`", "Usage: `/opp account <account name>`"),
    "account_unknown": ("没有客户「{value}」的商机。", "No deals with the account “{value}”."),
    "account_title": ("客户：{name}（{total} 个商机）", "Account: {name} ({total} deals)"),
    "account_facts": (
        "赢单 {won} · 进行中 {open} 个 {pipeline} · 已回款 {received} · 待回款 {outstanding} · 二次商机 {followons} 个（赢单 {followon_won}）",
        "Won {won} · open {open} ({pipeline}) · received {received} · to collect {outstanding} · follow-ons {followons} (won {followon_won})",
    ),
    "account_deal": ("• #{number} {title} · {status} · {amount}", "• #{number} {title} · {status} · {amount}"),
    "account_followon": ("二次商机", "follow-on"),
    "account_lesson": ("#{number} 的经验：{lesson}", "lesson from #{number}: {lesson}"),
    "field_payment_plan": ("回款计划", "Payment plan"),
    "hint_payment_plan": ("例如 30% 2026-12-31, 70% 2027-03-31（留空则不改）", "e.g. 30% 2026-12-31, 70% 2027-03-31 (leave empty to keep it as it is)"),
    "ev_payment_plan_plan": ("设置了回款计划：{new}", "set the payment plan: {new}"),
    "ev_payment_received": ("记录了到账：{new}", "recorded money received: {new}"),
    "ev_followon_followon": ("由此创建了二次商机 {new}", "started follow-on deal {new} from it"),
    "ev_followon_followon_of": ("是赢单商机 {new} 的二次商机", "is a follow-on of won deal {new}"),
}
