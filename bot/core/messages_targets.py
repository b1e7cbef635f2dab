"""The sentences of targets (目标), attainment (达成), forecast categories (预测分类) and forecast
accuracy (预测准确率), in Chinese and English."""

TARGET_MESSAGES: dict[str, tuple[str, str]] = {
    # forecast categories
    "fc_commit": ("承诺", "Commit"),
    "fc_best_case": ("乐观", "Best case"),
    "fc_pipeline": ("管道", "Pipeline"),
    "field_forecast_category": ("预测分类", "Forecast"),
    "fc_stage_default": ("阶段默认", "stage default"),
    "fc_default": ("{category}（阶段默认）", "{category} (stage default)"),
    "fc_set": ("#{number} 的预测分类：{category}。", "#{number} is now forecast as {category}."),
    "fc_auto": ("#{number} 的预测分类恢复为阶段默认：{category}。", "#{number}'s forecast category is back to its stage's default: {category}."),
    "fc_usage": (
        "用法：`/opp 预测 42 承诺`。分类：`承诺`、`乐观`、`管道`，或 `默认` 恢复为阶段默认。",
        "Usage: `/opp forecast 42 commit`. Categories: `commit`, `best-case`, `pipeline`, or `auto` for the stage's default.",
    ),
    "fc_bad_category": (
        "没有「{value}」这个预测分类。可选：`承诺`、`乐观`、`管道`，或 `默认`，例如 `/opp 预测 42 承诺`。",
        "There is no “{value}” forecast category. Use `commit`, `best-case`, `pipeline` or `auto`, e.g. `/opp forecast 42 commit`.",
    ),
    "fc_closed": ("#{number} 已经关闭，预测分类只用于进行中的商机。", "#{number} is closed: forecast categories are for open deals."),
    "rp_by_category": ("*按预测分类*", "*By forecast category*"),
    "rp_category_line": (
        "• {label}：承诺 {commit} · 乐观 {best_case} · 管道 {pipeline}",
        "• {label}: commit {commit} · best case {best_case} · pipeline {pipeline}",
    ),
    # targets
    "tg_not_allowed": ("只有经理或管理员可以设置目标。", "Only a manager or an admin can set targets."),
    "tg_usage": (
        "用法：`/opp 目标` 查看本月和本季度的目标与达成；`/opp 目标 @li 2027年第一季度 200万` 设置个人目标；"
        "`/opp 目标 团队 2027-Q1 1000万 [平分|按容量]` 设置团队目标（并拆分到个人）；`/opp 目标 历史 [@li]` 查看变更记录。",
        "Usage: `/opp target` shows this month's and this quarter's targets and attainment; `/opp target @li 2027-Q1 2m` sets a personal target; "
        "`/opp target team 2027-Q1 10m [split even|split capacity]` sets the team's (and splits it); `/opp target history [@li]` shows the changes.",
    ),
    "tg_no_period": (
        "请写出月份或季度，例如 `/opp 目标 @li 2027年第一季度 200万`（或 `2027-03`、`本季度`、`下季度`）。",
        "Give a month or a quarter, e.g. `/opp target @li 2027-Q1 2m` (or `2027-03`, `this-quarter`, `next-quarter`).",
    ),
    "tg_bad_period": (
        "目标按月或按季度设置，「{value}」不是。请写 `2027-03`、`2027-Q1`、`2027年3月`、`2027年第一季度`、`本月`、`本季度` 或 `下季度`。",
        "Targets are per month or per quarter, and “{value}” is neither. Use `2027-03`, `2027-Q1`, `this-month`, `this-quarter` or `next-quarter`.",
    ),
    "tg_no_amount": ("请写出目标金额，例如 `/opp 目标 @li 2027-Q1 200万`。", "Give the target's amount, e.g. `/opp target @li 2027-Q1 2m`."),
    "tg_amount_positive": ("目标金额要大于 0（你写的是「{value}」），例如 `200万`。", "A target must be above 0 (you gave “{value}”), e.g. `2m`."),
    "tg_currency": (
        "目标以 {currency} 计，请用 {currency} 写金额（你写的是 {given}），例如 `200万`。",
        "Targets are in {currency}: give the amount in {currency} (you gave {given}), e.g. `2m`.",
    ),
    "tg_bad_split": (
        "看不懂拆分方式「{value}」。可选：`平分`（`split even`）或 `按容量`（`split capacity`），例如 `/opp 目标 团队 2027-Q1 1000万 平分`。",
        "Couldn't read the split “{value}”. Use `split even` or `split capacity`, e.g. `/opp target team 2027-Q1 10m split even`.",
    ),
    "tg_nobody_to_split": (
        "没有人承担指标：拆分给角色为客户经理（ae）的成员。先用 `/opp 团队 设置 @li 角色:客户经理` 设置角色。",
        "Nobody carries a quota: a split goes to the account managers (role ae). Set roles first with `/opp team set @li role:ae`.",
    ),
    "tg_bad_who": (
        "「{value}」不是 @ 提及的人，也不是 `团队`：例如 `/opp 目标 @li 2027-Q1 200万` 或 `/opp 目标 团队 2027-Q1 1000万`。",
        "“{value}” is neither a person mentioned with @ nor `team`: e.g. `/opp target @li 2027-Q1 2m` or `/opp target team 2027-Q1 10m`.",
    ),
    "tg_extra": ("看不懂「{value}」。{usage}", "Couldn't read “{value}”. {usage}"),
    "tg_set_person": ("已设置 <@{user}> {period} 的目标：{amount}。", "Set <@{user}>'s target for {period}: {amount}."),
    "tg_set_team": ("已设置团队 {period} 的目标：{amount}。", "Set the team's target for {period}: {amount}."),
    "tg_split_done": ("已{how}拆分给 {count} 人：", "Split {how} between {count} people:"),
    "tg_split_even": ("平均", "evenly"),
    "tg_split_capacity": ("按容量", "by capacity"),
    "tg_replaced": ("（原目标 {amount} 已保留在历史中）", "(the earlier {amount} stays in the history)"),
    "tg_title": ("目标与达成", "Targets and attainment"),
    "tg_period_head": ("*{period}*", "*{period}*"),
    "tg_team": ("团队", "Team"),
    "tg_none_set": ("还没有设置目标：`/opp 目标 团队 {period} 1000万`。", "No target set yet: `/opp target team {period} 10m`."),
    "tg_line": (
        "• {who}：目标 {target} · 已赢单 {won}（{won_pct}）· 承诺 {committed}（{committed_pct}）· 加权 {weighted}（{weighted_pct}）",
        "• {who}: target {target} · won {won} ({won_pct}) · committed {committed} ({committed_pct}) · weighted {weighted} ({weighted_pct})",
    ),
    "tg_no_target": ("未设", "none"),
    "tg_history_title": ("目标变更记录", "Target history"),
    "tg_history_line": (
        "• {period} · {who} · {amount}{split} · {by} 设于 {at}{replaced}",
        "• {period} · {who} · {amount}{split} · set by {by} on {at}{replaced}",
    ),
    "tg_history_split": ("（{how}拆分）", " (split {how})"),
    "tg_history_replaced": (" · {at} 被替换", " · replaced {at}"),
    "tg_history_none": ("还没有设置过目标。", "No targets have been set yet."),
    "tg_history_more": ("只列出最近 {shown} 条，共 {total} 条。", "The latest {shown} of {total} are shown."),
    "tg_won": ("已赢单", "Won"),
    "tg_committed": ("承诺", "Committed"),
    "tg_weighted": ("加权", "Weighted"),
    "tg_target": ("目标", "Target"),
    "dg_attainment": ("*目标达成*", "*Targets*"),
    "tg_my_target": ("*我的目标*", "*My targets*"),
    "rp_title_targets": ("目标达成 · {period}", "Targets · {period}"),
    "rp_targets_period": (
        "目标按月或按季度，请写 `本月`、`本季度`、`2027-03` 或 `2027-Q1`（你写的是「{value}」）。",
        "Targets are per month or per quarter: use `this-month`, `this-quarter`, `2027-03` or `2027-Q1` (you gave “{value}”).",
    ),
    "rp_targets_note": (
        "已赢单：期间内赢单；承诺：预计在期间内成交、预测分类为承诺的进行中商机；加权：按赢单概率加权。百分比为占目标的比例。",
        "Won: closed won in the period; committed: open deals expected to close in it forecast as commit; weighted: by win probability. Percentages are of the target.",
    ),
    # forecast accuracy
    "rp_title_forecast-accuracy": ("预测准确率 · {period}", "Forecast accuracy · {period}"),
    "fa_none": (
        "{period} 没有保存的预测：预测快照在 worker 每个月、每个季度第一次运行时保存，从那以后的期间才有。",
        "No forecast was saved for {period}: snapshots are taken when the worker first runs in each month and quarter, so periods before that have none.",
    ),
    "fa_taken": ("预测取自 {at}（期间开始时）。", "Forecast as it stood on {at} (the start of the period)."),
    "fa_line": (
        "• {who}：承诺 {commit} · 加权 {weighted} · 已赢单 {won} · 赢单/承诺 {won_commit} · 赢单/加权 {won_weighted} · 偏差 {error}",
        "• {who}: commit {commit} · weighted {weighted} · won {won} · won/commit {won_commit} · won/weighted {won_weighted} · error {error}",
    ),
    "fa_note": ("偏差 = 已赢单 - 承诺（负数为未达到承诺）。", "Error = won - commit (negative: short of the commit)."),
    "fa_commit": ("期初承诺", "Commit forecast"),
    "fa_weighted": ("期初加权", "Weighted forecast"),
    "fa_chart_title": ("预测与赢单 · {period}", "Forecast vs won · {period}"),
    "fa_period": (
        "预测准确率按月或按季度，请写 `上月`、`上季度`、`2027-03` 或 `2027-Q1`（你写的是「{value}」）。",
        "Forecast accuracy is per month or per quarter: use `last-month`, `last-quarter`, `2027-03` or `2027-Q1` (you gave “{value}”).",
    ),
}
