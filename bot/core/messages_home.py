"""The sentences of the App Home tab's sections (今天, 本周, 团队) and their paging, in Chinese and English."""

HOME_MESSAGES: dict[str, tuple[str, str]] = {
    "hm_today": ("今天", "Today"),
    "hm_today_counts": ("*到期和逾期*（{total}）：逾期 {overdue} 个，今天到期 {due} 个", "*Due and overdue* ({total}): {overdue} overdue, {due} due today"),
    "hm_today_empty": ("今天没有到期或逾期的商机。", "Nothing due today or overdue."),
    "hm_my_alerts": ("*我的待处理提醒*：{count}", "*My alerts waiting*: {count}"),
    "hm_week": ("本周（至 {last}）", "This week (to {last})"),
    "hm_week_counts": (
        "*本周到期*（{total}）：{closing} 个预计成交，{follow} 个待跟进",
        "*Due this week* ({total}): {closing} closing, {follow} follow-ups",
    ),
    "hm_week_empty": ("本周余下几天没有预计成交或待跟进的商机。", "Nothing closing or to follow up for the rest of the week."),
    "hm_team_attention": (
        "*需要关注*（{total}）：风险 {risky} 个，停滞 {stalled} 个，逾期 {overdue} 个",
        "*Needing attention* ({total}): {risky} at risk, {stalled} stalled, {overdue} overdue",
    ),
    "hm_team_empty": ("团队的商机都在正常推进。", "Every deal of the team is moving."),
    "hm_also": ("*其他需要关注的*", "*Also needing attention*"),
    "hm_page": ("第 {page}/{pages} 页", "Page {page} of {pages}"),
    "hm_next": ("更多", "More"),
    "hm_prev": ("上一页", "Previous"),
}
