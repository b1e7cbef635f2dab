"""The sentences of the role KPI report (考核: `/opp report kpi [role] [period]`), with what each
figure means, in Chinese and English."""

KPI_MESSAGES: dict[str, tuple[str, str]] = {
    "rp_title_kpi": ("考核 · {period}", "Role KPIs · {period}"),
    "rp_bad_kpi_word": (
        "看不懂「{value}」：`/opp 报表 考核` 后面可以写角色（商务拓展、客户经理、售前、经理）和时间段（`本月`、`上季度`、`2027年第一季度` …），"
        "例如 `/opp 报表 考核 售前 上月`。",
        "Couldn't read “{value}”: after `/opp report kpi` give a role (`bdr`, `ae`, `support`, `manager`) and a period "
        "(`this-month`, `last-quarter`, `2027-Q1` …), e.g. `/opp report kpi support last-month`.",
    ),
    "kpi_role_bdr": ("商务拓展（BDR）", "Business development (BDR)"),
    "kpi_role_ae": ("客户经理", "Account managers"),
    "kpi_role_support": ("售前支持", "Pre-sales support"),
    "kpi_role_manager": ("经理", "Managers"),
    "kpi_chart_title": ("客户经理赢单金额与目标 · {period}", "Account managers: won against target · {period}"),
    "kpi_chart_won": ("赢单金额", "Won"),
    "kpi_chart_target": ("目标", "Target"),
    "kpi_head": ("*{role}*（{count} 人）", "*{role}* ({count})"),
    "kpi_more": ("还有 {more} 人未列出", "{more} more not shown"),
    "kpi_nobody": ("团队里还没有{role}。", "Nobody has the {role} role yet."),
    "kpi_hours": ("{hours:.1f} 小时", "{hours:.1f} h"),
    "kpi_no_target": ("无目标", "no target"),
    "kpi_target": ("目标 {target}，完成 {share}", "target {target}, {share} reached"),
    "kpi_bdr_line": (
        "{who}：新建 {created} · 通过资格 {qualified} · 线索转化 {conversion} · 资格用时中位数 {median}",
        "{who}: created {created} · qualified {qualified} · lead→qualified {conversion} · median time to qualify {median}",
    ),
    "kpi_bdr_team": (
        "*团队*：新建 {created} · 通过资格 {qualified} · 线索转化 {conversion} · 资格用时中位数 {median}",
        "*Team*: created {created} · qualified {qualified} · lead→qualified {conversion} · median time to qualify {median}",
    ),
    "kpi_bdr_defined": (
        "新建：本期创建的商机（按创建人）。通过资格：本期第一次从资格关口阶段（或更早）推进到其后阶段，记在做这次推进的人名下。"
        "线索转化：本人本期创建的商机中，到现在已通过资格的比例。资格用时：从创建到通过资格的天数（本人本期通过的商机）。",
        "Created: deals created in the period, by their creator. Qualified: deals whose first move from the qualification gate stage "
        "(or before) to a later stage happened in the period, credited to who made that move. Lead→qualified: of the deals the person "
        "created in the period, the share that have passed the gate by now. Time to qualify: days from creation to passing the gate, "
        "over the deals they qualified.",
    ),
    "kpi_ae_line": (
        "{who}：阶段转化 {conversion}（推进 {advanced} · 赢单 {won} · 输单 {lost}）· 赢单率 {win_rate} · 平均成交周期 {cycle} · 赢单金额 {value}，{target}",
        "{who}: stage conversion {conversion} (advanced {advanced} · won {won} · lost {lost}) · win rate {win_rate} · "
        "average cycle {cycle} · won {value}, {target}",
    ),
    "kpi_ae_team": (
        "*团队*：阶段转化 {conversion}（推进 {advanced} · 赢单 {won} · 输单 {lost}）· 赢单率 {win_rate} · 平均成交周期 {cycle} · 赢单金额 {value}，{target}",
        "*Team*: stage conversion {conversion} (advanced {advanced} · won {won} · lost {lost}) · win rate {win_rate} · "
        "average cycle {cycle} · won {value}, {target}",
    ),
    "kpi_ae_defined": (
        "都按本期由本人做的操作计算（不看商机现在归谁）。阶段转化 =（向前推进 + 赢单）÷（向前推进 + 赢单 + 输单）。"
        "赢单率 = 赢单 ÷（赢单 + 输单）。成交周期：本人赢单的商机从创建到赢单的平均天数。目标：`/opp 目标` 设置的本月或本季度目标（团队行用团队目标）。",
        "Counted from what the person did in the period, whoever owns the deal now. Stage conversion = (forward moves + wins) ÷ "
        "(forward moves + wins + losses). Win rate = won ÷ (won + lost). Cycle: average days from creation to the win, over their wins. "
        "Target: the month's or quarter's target set with `/opp target` (the team's on the team line).",
    ),
    "kpi_support_line": ("{who}：回答 {answered} · 响应时间中位数 {median}", "{who}: answered {answered} · median response time {median}"),
    "kpi_support_team": (
        "*团队*：回答 {answered} · 响应时间中位数 {median} · 现在未回答 {open}",
        "*Team*: answered {answered} · median response time {median} · open now {open}",
    ),
    "kpi_support_defined": (
        "回答：本期回答的求助（用回答按钮，或在商机上记录跟进）。响应时间：从求助到回答。现在未回答：发给销售支持、还没有回答的求助。",
        "Answered: support questions answered in the period (with the Answer button, or by logging an activity on the deal). "
        "Response time: from the question to its answer. Open now: questions to sales support not answered yet.",
    ),
    "kpi_manager_line": (
        "{who}：团队接受分配 {offers} 次，响应时间中位数 {offer_median} · 处理提醒 {alerts} 次，响应时间中位数 {alert_median}",
        "{who}: team accepted {offers} assignments, median response {offer_median} · acted on {alerts} alerts, median response {alert_median}",
    ),
    "kpi_manager_team": (
        "*全部团队*：接受分配 {offers} 次，响应时间中位数 {offer_median} · 处理提醒 {alerts} 次，响应时间中位数 {alert_median}",
        "*All teams*: accepted {offers} assignments, median response {offer_median} · acted on {alerts} alerts, median response {alert_median}",
    ),
    "kpi_manager_defined": (
        "按经理的下属计算。分配：本期接受的分配，从发出到接受的时间。提醒：下属的商机上本期处理的提醒，从发出（未发出时从产生）到第一次处理的时间。",
        "For the people who report to each manager. Assignments: offers accepted in the period, from the offer to its acceptance. "
        "Alerts: alerts on their deals acted on in the period, from when the alert was sent (else raised) to the first action.",
    ),
}
