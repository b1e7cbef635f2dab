"""The sentences of the collaboration report (协作), the lead-source report (来源) and the reports
by region and industry (地区, 行业, and the `地区:` / `行业:` filters of the funnel and cycle
reports), in Chinese and English."""

COLLAB_MESSAGES: dict[str, tuple[str, str]] = {
    "rp_title_collab": ("协作报表 · {period}", "Collaboration · {period}"),
    "rp_title_sources": ("线索来源 · {period}", "Lead sources · {period}"),
    "rp_title_regions": ("按地区 · {period}", "By region · {period}"),
    "rp_title_industries": ("按行业 · {period}", "By industry · {period}"),
    "cb_hours": ("{hours:.1f} 小时", "{hours:.1f} h"),
    "cb_more": ("还有 {more} 项未列出", "and {more} more"),
    "cb_more_inline": ("，还有 {more} 个", ", and {more} more"),
    "cb_offers_head": ("*分配响应*", "*Assignment response*"),
    "cb_offers_line": (
        "发出 {total} 个，接受 {accepted} 个 · 接受用时中位数 {median} · 90% 在 {p90} 内",
        "{total} offered, {accepted} accepted · median time to accept {median} · 90% within {p90}",
    ),
    "cb_offers_other": (
        "拒绝 {declined} · 超时未答 {expired} · 已被他人接手 {withdrawn} · 仍待答复 {waiting}",
        "declined {declined} · expired unanswered {expired} · taken by someone else {withdrawn} · still waiting {waiting}",
    ),
    "cb_offers_def": (
        "本期发出的自动分配：从发出到被接受的小时数。中位数：一半在此之内；90%：按排名取的第 90 百分位（至少 90% 在此之内）。",
        "Automatic assignments offered in the period: hours from the offer to its acceptance. Median: half are within it; "
        "90%: the 90th percentile by rank (at least 90% are within it).",
    ),
    "cb_alerts_head": ("*提醒响应*", "*Alert response*"),
    "cb_alerts_line": (
        "触发 {total} 条，已处理 {acted} 条 · 处理用时中位数 {median} · 90% 在 {p90} 内",
        "{total} raised, {acted} acted on · median time to act {median} · 90% within {p90}",
    ),
    "cb_alerts_other": ("仍在等待处理 {waiting} · 无人处理已自行解除 {cleared}", "still waiting {waiting} · cleared with nobody acting {cleared}"),
    "cb_alerts_def": (
        "本期触发的提醒：从首次通知（未通知的从触发时）到有人点按钮（跟进、暂缓、转交、输单）的小时数；一条提醒被处理多次时按最近一次计。"
        "按人员时计入商机现在的负责人。",
        "Alerts raised in the period: hours from the first notice (from the raising, if none was sent) to someone pressing a button "
        "(log, snooze, reassign, lost); for an alert acted on more than once, the latest action counts. By person: the deal's owner now.",
    ),
    "cb_pace_head": ("*节奏*", "*Pace*"),
    "cb_alert_rate": (
        "提醒触发率：每 100 个进行中商机每周 {rate} 条（{alerts} 条 · 进行中商机平均 {open} 个 · {weeks} 周）",
        "Alert rate: {rate} per 100 open deals a week ({alerts} alerts · {open} open deals on average · {weeks} weeks)",
    ),
    "cb_activity_rate": (
        "跟进频率：每个进行中商机每周 {rate} 次（共 {activities} 次跟进）",
        "Activity rate: {rate} per open deal a week ({activities} activities)",
    ),
    "cb_revisit_rate": (
        "回访率：{rate}（期末进行中的 {open} 个商机中，{touched} 个本期有跟进）",
        "Revisit rate: {rate} ({touched} of the {open} deals open at the end had an activity in the period)",
    ),
    "cb_pace_def": (
        "统计区间：期初到期末（未结束的时间段到现在）。进行中商机数：期初和期末各数一次取平均。跟进不含阶段变更。"
        "提醒触发率 = 提醒数 ÷ 进行中商机数 ÷ 周数 × 100；跟进频率 = 跟进次数 ÷ 进行中商机数 ÷ 周数；回访率 = 期末进行中且本期有跟进的商机 ÷ 期末进行中的商机。",
        "Window: from the period's start to its end (to now, for a period not over). Open deals: counted at the window's start and end, "
        "averaged. Activities leave out stage changes. Alert rate = alerts ÷ open deals ÷ weeks × 100; activity rate = activities ÷ "
        "open deals ÷ weeks; revisit rate = deals open at the end with an activity in the window ÷ deals open at the end.",
    ),
    "cb_people_head": (
        "*按人员*（分配：接受/收到 · 用时中位数；提醒：处理用时中位数 · 等待中；跟进频率 · 回访率）",
        "*By person* (assignments: accepted/offered · median; alerts: median time to act · waiting; activity rate · revisit rate)",
    ),
    "cb_person_line": (
        "{who}：分配 {accepted}/{offers} · {offer_median}；提醒 {alert_median} · 等待 {waiting}；跟进 {activity_rate} · 回访 {revisit}",
        "{who}: assignments {accepted}/{offers} · {offer_median}; alerts {alert_median} · waiting {waiting}; activity {activity_rate} · revisit {revisit}",
    ),
    "src_head": ("*按线索来源*（本期新建的商机，现在的状态）", "*By lead source* (deals created in the period, as they stand now)"),
    "src_line": (
        "{source}：新建 {new} · 通过资格 {qualified} · 赢单 {won}（{amount}）· 转化率 {rate}",
        "{source}: new {new} · qualified {qualified} · won {won} ({amount}) · conversion {rate}",
    ),
    "src_none": ("（未填来源）", "(no source)"),
    "src_empty": ("这段时间没有新建商机。", "No deals were created in this period."),
    "src_def": (
        "新建：本期创建的商机（已删除、已合并的除外）。通过资格：现在或曾经处于「{gate}」之后的阶段，或已赢单。"
        "赢单及金额：其中现在已赢单的。转化率 = 赢单 ÷ 新建。按赢单金额排序。",
        "New: deals created in the period (deleted and merged ones aside). Qualified: in a stage after {gate} now or at any time, "
        "or won. Won and its value: those of them won by now. Conversion = won ÷ new. Sorted by won value.",
    ),
    "src_new": ("新建", "New"),
    "src_qualified": ("通过资格", "Qualified"),
    "src_won": ("赢单", "Won"),
    "src_chart_note": ("右侧百分比：赢单 ÷ 新建", "Percentage on the right: won ÷ new"),
    "seg_head_region": (
        "*按地区*（进行中管道 · 新建 · 赢单 · {g_win_rate} · 平均成交周期）",
        "*By region* (open pipeline · new · won · win rate · average cycle)",
    ),
    "seg_head_industry": (
        "*按行业*（进行中管道 · 新建 · 赢单 · {g_win_rate} · 平均成交周期）",
        "*By industry* (open pipeline · new · won · win rate · average cycle)",
    ),
    "seg_line": (
        "{label}：进行中 {open}（{open_amount}）· 新建 {new} · 赢单 {won}（{won_amount}）· {g_win_rate} {rate} · 周期 {cycle}",
        "{label}: open {open} ({open_amount}) · new {new} · won {won} ({won_amount}) · win rate {rate} · cycle {cycle}",
    ),
    "seg_def": (
        "进行中管道：期末（未结束的时间段为现在）进行中的商机。新建、赢单、输单按本期的创建日和成交日计。"
        "{g_win_rate} = 赢单 ÷（赢单 + 输单）；平均成交周期：本期赢单从创建到赢单的天数。",
        "Open pipeline: deals open at the period's end (now, for a period not over). New, won and lost count by the day created "
        "and the day closed in the period. Win rate = won ÷ (won + lost); average cycle: days from creation to win of the deals won in it.",
    ),
    "seg_no_region": ("（未填地区）", "(no region)"),
    "seg_no_industry": ("（未填行业）", "(no industry)"),
    "seg_title_region": (" · 地区：{value}", " · region: {value}"),
    "seg_title_industry": (" · 行业：{value}", " · industry: {value}"),
    "seg_unknown_region": (
        "没有地区为「{value}」的商机。现有地区：{known}。",
        "No deal has the region “{value}”. Regions in use: {known}.",
    ),
    "seg_unknown_industry": (
        "没有行业为「{value}」的商机。现有行业：{known}。",
        "No deal has the industry “{value}”. Industries in use: {known}.",
    ),
    "seg_word_region": ("地区", "region"),
    "seg_word_industry": ("行业", "industry"),
    "seg_none_region": ("还没有商机填写地区", "no deal has a region yet"),
    "seg_none_industry": ("还没有商机填写行业", "no deal has an industry yet"),
    "seg_bad_filter": (
        "看不懂「{value}」：报表可以按地区或行业筛选，例如 `/opp 报表 漏斗 地区:华东` 或 `/opp 报表 周期 行业:制造 上季度`。",
        "Couldn't read “{value}”: a report narrows by region or industry, e.g. `/opp report funnel region:East` or `/opp report cycle industry:Retail last-quarter`.",
    ),
    "seg_empty": ("「{value}」后面缺少名称，例如 `地区:华东`。", "“{value}” needs a name after it, e.g. `region:East`."),
    "seg_twice": (
        "「{value}」：地区和行业各只能写一个，例如 `/opp 报表 漏斗 地区:华东 行业:制造`。",
        "“{value}”: give at most one region and one industry, e.g. `/opp report funnel region:East industry:Retail`.",
    ),
    "seg_not_here": (
        "按地区或行业筛选只用于漏斗和成交周期报表，例如 `/opp 报表 漏斗 地区:华东`；各地区、各行业的对比见 `/opp 报表 地区` 和 `/opp 报表 行业`。",
        "Narrowing by region or industry works for the funnel and cycle reports, e.g. `/opp report funnel region:East`; "
        "`/opp report regions` and `/opp report industries` compare them all.",
    ),
}
