"""Every sentence oppbot says, in Chinese and English. ``t(lang, key, **params)``.

Parameters that carry user text are escaped for mrkdwn by the caller (bot.blocks.deals.esc)."""

from __future__ import annotations

import re

MESSAGES: dict[str, tuple[str, str]] = {
    # errors a user can fix
    "deal_not_found": (
        "找不到商机 #{number}。用 `/opp list` 或 `/opp find 关键词` 查找编号。",
        "There is no deal #{number}. Use `/opp list`, or `/opp find` with a word from its title, to find its number.",
    ),
    "need_number": ("请给出商机编号，例如 `/opp {sub} 42`。", "Give a deal number, e.g. `/opp {sub} 42`."),
    "bad_number": (
        "「{value}」不是商机编号，编号是数字，例如 `/opp {sub} 42`。",
        "“{value}” is not a deal number; numbers look like `42` or `#42`, e.g. `/opp {sub} 42`.",
    ),
    "unknown_stage": (
        "没有「{value}」这个阶段。可选：{stages}。例如 `/opp move 42 proposal`。",
        "There is no stage “{value}”. Stages: {stages}. Example: `/opp move 42 proposal`.",
    ),
    "need_stage": (
        "请给出目标阶段，例如 `/opp 推进 42 方案提交`。可选：{stages}。",
        "Give the stage to move to, e.g. `/opp move 42 proposal`. Stages: {stages}.",
    ),
    "already_in_stage": ("#{number} 已经在这个阶段了。", "#{number} is already in that stage."),
    "deal_closed": ("#{number} 已经{status_name}，不能再推进或关闭。", "#{number} is already {status_name}; it can't be moved or closed again."),
    "unreadable_amount": (
        "看不懂金额「{value}」。可以这样写：`50万`、`3.5亿`、`50k`、`¥300,000`、`$20k`、`300000 CNY`。",
        "Couldn't read the amount “{value}”. Try `50000`, `50k`, `1.2M`, `50万`, `¥300,000`, `$20k` or `300000 CNY`.",
    ),
    "unreadable_date": (
        "看不懂日期「{value}」。可以这样写：`下周五`、`月底`、`12月10日`、`2026-12-31`、`end of quarter`。",
        "Couldn't read the date “{value}”. Try `next friday`, `end of month`, `end of quarter`, `Dec 31`, `2026-12-31` or `下周五`.",
    ),
    "title_required": (
        "请给商机起个名字，例如 `/opp new Acme ERP 项目 50万 close 下周五`。",
        "Give the deal a title, e.g. `/opp new Acme ERP rollout 50万 close next friday`.",
    ),
    "too_long": ("「{name_label}」太长了（{length} 个字符），最多 {limit} 个字符。", "“{name_label}” is too long ({length} characters); keep it to {limit}."),
    "bad_tags": ("标签最多 {max_tags} 个，每个不超过 {max_length} 个字符。", "At most {max_tags} tags of up to {max_length} characters each."),
    "activity_required": (
        "请写下跟进内容，例如 `/opp log 42 电话沟通了预算 next 发报价 by 周五`。",
        "Say what happened, e.g. `/opp log 42 called the CFO next send quote by friday`.",
    ),
    "bad_activity_kind": ("跟进类型「{kind}」不存在。可选：{kinds}。", "Unknown activity type “{kind}”. Types: {kinds}."),
    "lost_reason_required": (
        "请写明输单原因，例如 `/opp lost {number} 价格`。可选：{reasons}。",
        "Say why it was lost, e.g. `/opp lost {number} price`. Reasons: {reasons}.",
    ),
    "unknown_lost_reason": (
        "没有「{value}」这个输单原因。可选：{reasons}。原因后面可以加说明，例如 `/opp lost 42 竞争对手 对方低价`。",
        "“{value}” is not a loss reason. Reasons: {reasons}. You can add a note after it, e.g. `/opp lost 42 competitor undercut on price`.",
    ),
    "not_allowed": ("你不能修改 #{number}：只有{who}或管理员可以修改。", "You can't change #{number}: only {who} or an admin can."),
    "stale_edit": (
        "有人刚刚修改了 #{number}，你的修改没有保存。请重新打开再改（`/opp edit {number}`）。",
        "Someone changed #{number} while you were editing; your change was not saved. Reload it with `/opp edit {number}` and try again.",
    ),
    "conflict": ("这个商机刚被别人修改了，请重试。", "That deal was changed by someone else at the same moment; please try again."),
    "unknown_subcommand": ("没有「{value}」这个命令。输入 `/opp help` 查看全部命令。", "There is no `/opp {value}` command. Type `/opp help` to see them all."),
    "bad_filter": (
        "看不懂筛选条件「{value}」。可以用：`mine`、`team`、`stage:proposal`、`owner:@某人`、`overdue`、`closing:this-week`、`status:won`，或直接输入关键词。",
        "Couldn't use the filter “{value}”. Filters: `mine`, `team`, `stage:proposal`, `owner:@someone`, `overdue`, `closing:this-week`, `status:won`, or any text.",
    ),
    "need_find_text": ("请给出要查找的内容，例如 `/opp find Acme`。", "Say what to look for, e.g. `/opp find Acme`."),
    "input_too_long": ("输入太长了（{length} 个字符），最多 {limit} 个字符。", "That is too long ({length} characters); the most is {limit}."),
    "bad_user": ("「{value}」不是 Slack 用户，请用 @ 提及，例如 `owner:@li`。", "“{value}” is not a Slack user; mention them with @, e.g. `owner:@li`."),
    "internal_error": (
        "出错了，什么都没有修改。请稍后再试；如果一直出错，请联系管理员（错误编号 {ref}）。",
        "Something went wrong and nothing was changed. Please try again; if it keeps happening, tell your admin (error ref {ref}).",
    ),
    "modal_failed": (
        "表单没能打开（Slack 拒绝了请求，可能是点击太久之前）。请再试一次。",
        "The form couldn't open (Slack refused it, perhaps the click was too long ago). Please try again.",
    ),
    # qualification, grade and probability
    "not_qualified": (
        "#{number} 资格评分 {score} 分，低于 {threshold} 分，还不能推进到「{gate_name}」之后。还差：{gaps_text}。用 `/opp 评估 {number} budget:approved …` 或编辑表单补充评估。",
        "#{number} scores {score}, below the {threshold} needed to move past {gate_name}. Missing: {gaps_text}. Answer the criteria with `/opp qualify {number} budget:approved …` or in the edit form.",
    ),
    "unknown_choice": (
        "「{value}」不是「{criterion_name}」的选项。可选：{choices}。例如 `/opp 评估 42 budget:approved need:urgent`。",
        "“{value}” is not an answer for {criterion_name}. Answers: {choices}. Example: `/opp qualify 42 budget:approved need:urgent`.",
    ),
    "need_answers": (
        "请给出评估项，例如 `/opp 评估 42 budget:approved authority:decision_maker`。评估项：{criteria}。",
        "Give answers, e.g. `/opp qualify 42 budget:approved authority:decision_maker`. Criteria: {criteria}.",
    ),
    "grade_not_allowed": ("只有经理或管理员可以固定 #{number} 的评级。", "Only a manager or an admin can pin the grade of #{number}."),
    "bad_grade": (
        "「{value}」不是评级。用 A、B、C，或 `auto` 恢复自动评级，例如 `/opp 评级 42 A`。",
        "“{value}” is not a grade. Use A, B or C, or `auto` to let the rules decide, e.g. `/opp grade 42 A`.",
    ),
    "bad_probability": (
        "「{value}」不是概率。写 0 到 100 的百分数，例如 `/opp 概率 42 60%`，或 `clear` 清除。",
        "“{value}” is not a probability. Give a percentage from 0 to 100, e.g. `/opp prob 42 60%`, or `clear`.",
    ),
    "need_tags": ("请给出标签，例如 `/opp 标签 42 +高意向 -易流失`。", "Give tags to add or remove, e.g. `/opp tag 42 +hot -at-risk`."),
    "qualified": ("已更新 #{number} 的评估：{score} 分，{grade} 级", "Qualification of #{number} updated: score {score}, grade {grade}"),
    "grade_set": ("#{number} 评级固定为 {grade}", "#{number} grade pinned to {grade}"),
    "grade_auto": ("#{number} 恢复自动评级（{grade}）", "#{number} grade back to the rules ({grade})"),
    "probability_set": ("#{number} 赢单概率设为 {pct}%", "#{number} win probability set to {pct}%"),
    "probability_cleared": ("#{number} 赢单概率恢复自动计算", "#{number} win probability back to automatic"),
    "tags_set": ("#{number} 的标签已更新", "Tags of #{number} updated"),
    "field_score": ("评分", "Score"),
    "field_grade": ("评级", "Grade"),
    "field_grade_pinned": ("固定评级", "Pinned grade"),
    "field_next_touch_due": ("下次跟进", "Next touch"),
    "field_win_probability": ("赢单概率", "Win probability"),
    "field_probability_override": ("手动概率", "Probability override"),
    "field_strategic": ("战略客户", "Strategic"),
    "field_qualification": ("资格评估", "Qualification"),
    "grade_line": ("{grade} 级 · 每 {days} 天跟进", "{grade} · follow up every {days} days"),
    "grade_pinned_mark": ("（已固定）", " (pinned)"),
    "prob_learned": ("{pct}% — 基于 {n} 个已关闭商机学习", "{pct}% — learned from {n} closed deals"),
    "prob_stage": ("{pct}% — 阶段默认值", "{pct}% — stage default"),
    "prob_override": ("{pct}% — 手动设定", "{pct}% — set by hand"),
    "strategic_option": ("战略客户（按高价值评级）", "Strategic account (graded as high value)"),
    "flag_risk": ("⚠️ 标记风险：{risk}", "⚠️ Flag risk: {risk}"),
    "list_quality": ("{grade} 级 · {score} 分 · 赢率 {pct}%", "grade {grade} · score {score} · {pct}% to win"),
    # confirmations
    "created": ("已创建 #{number}", "Created #{number}"),
    "already_created": ("#{number} 已经创建过了（重复提交只保存一次）。", "#{number} was already created (a repeated submission is saved once)."),
    "moved": ("#{number} 已推进到「{stage}」", "Moved #{number} to {stage}"),
    "logged": ("已记录 #{number} 的跟进", "Logged activity on #{number}"),
    "updated": ("已更新 #{number}：{fields}", "Updated #{number}: {fields}"),
    "nothing_changed": ("#{number} 没有变化。", "Nothing changed on #{number}."),
    "won": ("🎉 #{number} 赢单！", "🎉 #{number} won!"),
    "lost": ("#{number} 已标记为输单（{reason}）。", "#{number} marked lost ({reason})."),
    # labels
    "status_open": ("进行中", "open"),
    "status_won": ("已赢单", "won"),
    "status_lost": ("已输单", "lost"),
    "field_title": ("名称", "Title"),
    "field_account": ("客户", "Account"),
    "field_contact": ("联系人", "Contact"),
    "field_amount": ("金额", "Amount"),
    "field_currency": ("币种", "Currency"),
    "field_stage": ("阶段", "Stage"),
    "field_status": ("状态", "Status"),
    "field_expected_close": ("预计成交", "Close date"),
    "field_next_step": ("下一步", "Next step"),
    "field_next_step_due": ("下一步截止", "Next step due"),
    "field_owner": ("负责人", "Owner"),
    "field_owner_id": ("负责人", "Owner"),
    "field_creator": ("创建人", "Creator"),
    "field_source": ("来源", "Source"),
    "field_industry": ("行业", "Industry"),
    "field_region": ("区域", "Region"),
    "field_budget": ("预算 (B)", "Budget (B)"),
    "field_authority": ("决策权 (A)", "Authority (A)"),
    "field_need": ("需求 (N)", "Need (N)"),
    "field_timing": ("时间 (T)", "Timing (T)"),
    "field_tags": ("标签", "Tags"),
    "field_won_reason": ("赢单原因", "Won reason"),
    "field_lost_reason": ("输单原因", "Lost reason"),
    "field_reason": ("原因", "Reason"),
    "field_activity": ("跟进内容", "Activity"),
    "field_text": ("跟进内容", "Activity"),
    "field_kind": ("类型", "Type"),
    "age_in_stage": ("在此阶段 {days} 天", "{days} days in stage"),
    "none": ("—", "—"),
    "overdue": ("已逾期", "overdue"),
    "btn_move": ("推进阶段", "Move stage"),
    "btn_log": ("记录跟进", "Log activity"),
    "btn_edit": ("编辑", "Edit"),
    "btn_history": ("历史", "History"),
    "list_title": ("商机列表（{shown}/{total}）", "Deals ({shown} of {total})"),
    "list_empty": ("没有符合条件的商机。试试 `/opp list team` 或 `/opp new`。", "No deals match. Try `/opp list team` or create one with `/opp new`."),
    "list_more": (
        "还有 {more} 个未显示，请加筛选条件缩小范围，例如 `stage:proposal` 或 `closing:this-week`。",
        "{more} more not shown; narrow it with a filter such as `stage:proposal` or `closing:this-week`.",
    ),
    "history_title": ("#{number} 的变更历史（最新在前）", "History of #{number} (newest first)"),
    "history_more": ("还有 {more} 条更早的记录。", "{more} older entries not shown."),
    "ev_created": ("创建了商机", "created the deal"),
    "ev_updated": ("把{field}从 {old} 改为 {new}", "changed {field} from {old} to {new}"),
    "ev_stage": ("把阶段从 {old} 推进到 {new}", "moved the stage from {old} to {new}"),
    "ev_status": ("把状态从 {old} 改为 {new}", "changed the status from {old} to {new}"),
    "ev_activity": ("记录了{kind}：{new}", "logged a {kind}: {new}"),
    "kind_note": ("备注", "note"),
    "kind_call": ("电话", "call"),
    "kind_meeting": ("会议", "meeting"),
    "kind_email": ("邮件", "email"),
    "kind_visit": ("拜访", "visit"),
    "kind_stage_change": ("阶段变更", "stage change"),
    # modals
    "modal_new": ("新建商机", "New deal"),
    "modal_edit": ("编辑 #{number}", "Edit #{number}"),
    "modal_log": ("记录跟进 #{number}", "Log activity #{number}"),
    "modal_save": ("保存", "Save"),
    "modal_cancel": ("取消", "Cancel"),
    "hint_amount": ("例如 50万、3.5亿、$20k、300000 CNY", "e.g. 50k, 1.2M, 50万, $20k, 300000 CNY"),
    "hint_tags": ("用逗号分隔，例如 高意向, 需跟进", "Comma-separated, e.g. hot, needs-follow-up"),
    "placeholder_stage": ("选择阶段", "Choose a stage"),
    "placeholder_move": ("推进到…", "Move to…"),
    "placeholder_kind": ("选择类型", "Choose a type"),
    "bant_title": ("资格评估 (BANT)", "Qualification (BANT)"),
    # --- alerts, risks and reminders (the worker: bot.alerts.scan, bot.delivery.sender, handlers.alerts, bot.deals.risks) ---
    "cond_stalled": ("停滞", "Stalled"),
    "cond_follow_up": ("未按时跟进", "Follow-up missed"),
    "cond_next_step_overdue": ("下一步已逾期", "Next step overdue"),
    "cond_close_passed": ("预计成交日已过", "Close date passed"),
    "cond_risk": ("风险", "Risk"),
    "why_stalled": ("已 {days} 天没有跟进（「{stage}」阶段最多 {limit} 天）", "no activity for {days} days ({stage} allows {limit})"),
    "why_follow_up": ("{grade} 级商机应在 {due} 前跟进，已超过 {days} 天", "grade {grade} deals need a touch by {due}; {days} days late"),
    "why_next_step_overdue": ("下一步「{step}」应在 {due} 完成，已逾期 {days} 天", "next step “{step}” was due {due}; {days} days overdue"),
    "why_close_passed": ("预计成交日 {due} 已过 {days} 天，商机仍未关闭", "expected close {due} passed {days} days ago and the deal is still open"),
    "why_risk": ("{risks}", "{risks}"),
    "alert_title": ("⚠️ #{number} {title}：{condition}", "⚠️ #{number} {title}: {condition}"),
    "alert_whose_move": ("轮到 <@{owner}> 处理", "<@{owner}>'s move"),
    "alert_escalated": ("⏫ 升级给 <@{manager}>：这个提醒 {days} 天没有人处理。", "⏫ Escalated to <@{manager}>: nobody acted on this alert for {days} days."),
    "alert_acted_snooze": ("<@{who}> 暂停提醒 {days} 天", "<@{who}> snoozed this for {days} days"),
    "alert_acted_log": ("<@{who}> 正在记录跟进", "<@{who}> is logging an activity"),
    "alert_acted_reassign": ("<@{who}> 把商机转给了 <@{owner}>", "<@{who}> reassigned the deal to <@{owner}>"),
    "alert_acted_lost": ("<@{who}> 标记为输单（{reason}）", "<@{who}> marked the deal lost ({reason})"),
    "alert_cleared": ("✅ 已解决", "✅ Resolved"),
    "alert_bundle_title": ("今日商机提醒（{count} 条）", "Today's deal alerts ({count})"),
    "btn_snooze": ("暂停 {days} 天", "Snooze {days}d"),
    "placeholder_reassign": ("转给…", "Reassign to…"),
    "placeholder_mark_lost": ("标记输单…", "Mark lost…"),
    "snoozed": ("已暂停 #{number} 的「{condition}」提醒 {days} 天。", "Snoozed “{condition}” on #{number} for {days} days."),
    "alert_gone": ("这个提醒已经不存在或已解决。", "That alert no longer exists or has been resolved."),
    "risk_silent": ("客户沉默", "Customer gone silent"),
    "risk_champion_left": ("关键决策人变动", "Champion left"),
    "risk_budget_cut": ("预算调整", "Budget cut"),
    "risk_competitor": ("竞争对手介入", "Competitor involved"),
    "risk_raised": ("已为 #{number} 标记风险：{risk}", "Flagged a risk on #{number}: {risk}"),
    "risk_cleared": ("已清除 #{number} 的风险：{risk}", "Cleared the risk on #{number}: {risk}"),
    "need_risk": (
        "请给出风险类型，例如 `/opp risk 42 competitor 对方报价更低`。可选：{kinds}；清除用 `/opp risk 42 clear competitor`。",
        "Say which risk, e.g. `/opp risk 42 competitor they quoted lower`. Risks: {kinds}; clear one with `/opp risk 42 clear competitor`.",
    ),
    "reminder_set": ("好的，{when} 提醒你：{text}", "OK, I'll remind you {when}: {text}"),
    "reminder_due": ("⏰ 提醒：{text}", "⏰ Reminder: {text}"),
    "reminder_past": (
        "「{value}」已经过去了，请给一个将来的时间，例如 `/opp remind 42 明天上午10点 给CFO打电话`。",
        "“{value}” is in the past; give a time to come, e.g. `/opp remind 42 tomorrow 10am call the CFO`.",
    ),
    "need_reminder": (
        "请给出时间和内容，例如 `/opp remind 42 明天上午10点 给CFO打电话`。",
        "Give a time and what to remind, e.g. `/opp remind 42 tomorrow 10am call the CFO`.",
    ),
    "unreadable_when": (
        "看不懂时间「{value}」。可以这样写：`明天上午10点`、`周五 15:00`、`tomorrow 10am`、`in 2 hours`。",
        "Couldn't read the time “{value}”. Try `tomorrow 10am`, `friday 15:00`, `in 2 hours` or `明天上午10点`.",
    ),
    # --- end of alerts, risks and reminders ---
    # --- digests, reports and the Home tab (bot.reporting.digests, bot.reporting.reports, handlers.home) ---------------
    "dg_daily_title": ("📊 销售日报 · {day}", "📊 Daily digest · {day}"),
    "dg_weekly_title": ("📈 每周漏斗 · {first} – {last}", "📈 Weekly funnel · {first} – {last}"),
    "dg_brief_title": ("☀️ 早安，今天的商机 · {day}", "☀️ Your day · {day}"),
    "dg_changes": ("*自上次日报以来*", "*Since the last digest*"),
    "dg_changes_line": (
        "新建 {new} 个（{new_amount}）· 推进 {advanced} 次 · 赢单 {won} 个（{won_amount}）· 输单 {lost} 个（{lost_amount}）· 更换负责人 {owners} 次",
        "New {new} ({new_amount}) · advanced {advanced} · won {won} ({won_amount}) · lost {lost} ({lost_amount}) · owner changes {owners}",
    ),
    "dg_won": ("*赢单*", "*Won*"),
    "dg_lost": ("*输单*", "*Lost*"),
    "dg_attention": (
        "*需要关注*：停滞 {stalled} 个 · 逾期 {overdue} 个 · 未答复的分配 {unanswered} 个 · 待处理提醒 {alerts} 条",
        "*Needs attention*: stalled {stalled} · overdue {overdue} · unanswered assignments {unanswered} · alerts waiting {alerts}",
    ),
    "dg_alerts_by": ("待处理提醒：{parts}", "Alerts waiting: {parts}"),
    "dg_stalled": ("*停滞*（{total}）", "*Stalled* ({total})"),
    "dg_overdue": ("*逾期*（{total}）", "*Overdue* ({total})"),
    "dg_due_today": ("*今天到期*（{total}）", "*Due today* ({total})"),
    "dg_closing": ("*本周预计成交*（{total}，{amount}，加权 {weighted}）", "*Closing this week* ({total}, {amount}, weighted {weighted})"),
    "dg_closing_short": ("*本周预计成交*（{total}）", "*Closing this week* ({total})"),
    "dg_more": ("还有 {more} 个 — `{command}`", "and {more} more — `{command}`"),
    "dg_nothing": ("无", "nothing"),
    "dg_pipeline": ("*管道（按阶段）*", "*Pipeline by stage*"),
    "dg_stage_line": ("{stage}：{count} 个 · {amount} · 加权 {weighted}", "{stage}: {count} · {amount} · weighted {weighted}"),
    "dg_pipeline_total": ("合计：{count} 个 · {amount} · 加权 {weighted}", "Total: {count} · {amount} · weighted {weighted}"),
    "dg_forecast": ("*预测*", "*Forecast*"),
    "dg_forecast_line": (
        "{label}：已赢单 {won} · 承诺 {committed} · 加权 {weighted}{target}",
        "{label}: won {won} · committed {committed} · weighted {weighted}{target}",
    ),
    "dg_target": (" · 目标 {target}（赢单+承诺 {pct}）", " · target {target} (won + committed {pct})"),
    "dg_this_month": ("本月（{name}）", "This month ({name})"),
    "dg_this_quarter": ("本季度（{name}）", "This quarter ({name})"),
    "dg_reps": ("*按人员*（进行中 · 推进 · 跟进 · 逾期）", "*By rep* (open · advanced · activities · overdue)"),
    "dg_rep_line": ("{who}：{open} · {advanced} · {activities} · {overdue}", "{who}: {open} · {advanced} · {activities} · {overdue}"),
    "dg_reps_more": ("还有 {more} 人未列出 — `/opp report reps`", "{more} more not shown — `/opp report reps`"),
    "dg_truncated": ("内容太长，其余部分未显示 — 用 `/opp report funnel` 查看详情。", "Too long to show in full — see `/opp report funnel` for the rest."),
    "dg_fallback_daily": (
        "销售日报 {day}：新建 {new}，赢单 {won}，停滞 {stalled}，逾期 {overdue}",
        "Daily digest {day}: {new} new, {won} won, {stalled} stalled, {overdue} overdue",
    ),
    "dg_fallback_weekly": ("每周漏斗 {first} – {last}", "Weekly funnel {first} – {last}"),
    "dg_fallback_brief": (
        "今天：到期 {due}，逾期 {overdue}，停滞 {stalled}，本周成交 {closing}",
        "Today: {due} due, {overdue} overdue, {stalled} stalled, {closing} closing this week",
    ),
    "dg_conversion": ("*阶段转化率*（推进或赢单 / 离开该阶段）", "*Stage conversion* (moved on or won / left the stage)"),
    "dg_conversion_line": ("{stage}：{rate}（{moved}/{left}）{prev}", "{stage}: {rate} ({moved}/{left}){prev}"),
    "dg_prev": ("，上期 {value}", ", previous {value}"),
    "dg_win_rate": ("*赢率*：{rate}（赢 {won} / 输 {lost}）{prev}", "*Win rate*: {rate} (won {won} / lost {lost}){prev}"),
    "dg_cycle": ("*平均成交周期*：{days}{prev}", "*Average sales cycle*: {days}{prev}"),
    "dg_days": ("{days:.1f} 天", "{days:.1f} days"),
    "dg_stage_time": ("*各阶段平均停留*", "*Average time in stage*"),
    "dg_stage_time_line": ("{stage}：{days}{prev}", "{stage}: {days}{prev}"),
    "dg_losses": ("*输单原因*", "*Loss reasons*"),
    "dg_loss_line": ("{reason}：{count} 个（{amount}）{prev}", "{reason}: {count} ({amount}){prev}"),
    "dg_new_pipeline": ("*新增管道*：{count} 个（{amount}）{prev}", "*New pipeline*: {count} ({amount}){prev}"),
    "dg_brief_empty": ("今天没有到期、逾期或停滞的商机。👍", "Nothing due, overdue or stalled today. 👍"),
    "dg_item_due": ("到期 {day}", "due {day}"),
    "dg_item_close": ("预计成交 {day}", "closing {day}"),
    "dg_item_quiet": ("{days} 天无跟进", "quiet {days} days"),
    "rp_title_funnel": ("漏斗报表 · {period}", "Funnel · {period}"),
    "rp_title_forecast": ("预测报表 · {period}", "Forecast · {period}"),
    "rp_title_reps": ("人员报表 · {period}", "Reps · {period}"),
    "rp_title_losses": ("输单原因 · {period}", "Loss reasons · {period}"),
    "rp_title_cycle": ("成交周期 · {period}", "Sales cycle · {period}"),
    "rp_title_trend": ("管道趋势 · {period}", "Pipeline trend · {period}"),
    "rp_trend_head": ("*过去 {weeks} 周每周末的进行中商机*（数量 · 金额）", "*Open pipeline at the end of each of the last {weeks} weeks* (deals · amount)"),
    "rp_share": ("分享到频道", "Share to channel"),
    "rp_shared": ("<@{user}> 分享了报表", "Shared by <@{user}>"),
    "rp_chart_dm": ("图表已发到你与 oppbot 的私信。", "The chart is in your DM with oppbot."),
    "rp_by_month": ("*按月预测*", "*Forecast by month*"),
    "rp_rep_line": (
        "{who}：进行中 {open} · 推进 {advanced} · 跟进 {activities} · 逾期 {overdue} · 赢单 {won}（{won_amount}）",
        "{who}: open {open} · advanced {advanced} · activities {activities} · overdue {overdue} · won {won} ({won_amount})",
    ),
    "rp_no_losses": ("这段时间没有输单。", "No deals lost in this period."),
    "rp_unknown": (
        "没有「{value}」这个报表。可选：`funnel`、`forecast`、`reps`、`losses`、`cycle`、`trend`，例如 `/opp report funnel this-month`。",
        "There is no “{value}” report. Reports: `funnel`, `forecast`, `reps`, `losses`, `cycle`, `trend`, e.g. `/opp report funnel this-month`.",
    ),
    "rp_bad_period": (
        "看不懂时间段「{value}」。可以用：`this-week`、`this-month`、`this-quarter` 或 `2026-11`。",
        "Couldn't read the period “{value}”. Use `this-week`, `this-month`, `this-quarter` or a month such as `2026-11`.",
    ),
    "ex_done": ("已导出 {count} 个商机（CSV）。", "Exported {count} deals as CSV."),
    "ex_empty": ("没有符合条件的商机可导出。", "No deals match; nothing to export."),
    "hm_title_rep": ("我的商机", "My deals"),
    "hm_title_manager": ("团队看板", "Team dashboard"),
    "hm_updated": ("更新于 {when}", "Updated {when}"),
    "hm_new": ("新建商机", "New deal"),
    "hm_log": ("记录跟进", "Log activity"),
    "hm_open": ("打开", "Open"),
    "hm_my_pipeline": ("*我的管道*", "*My pipeline*"),
    "hm_team": ("*团队*", "*Team*"),
    "hm_alerts": ("*待处理提醒*：{count}", "*Alerts waiting*: {count}"),
    "br_on": (
        "已开启早报：每个工作日 {time}（{tz}）私信你今天到期、逾期、停滞和本周成交的商机。`/opp brief off` 关闭。",
        "Morning brief on: every working day at {time} ({tz}) a DM with your deals due today, overdue, stalled and closing this week. `/opp brief off` turns it off.",
    ),
    "br_off": ("已关闭早报。`/opp brief on` 重新开启。", "Morning brief off. `/opp brief on` turns it back on."),
    "br_status": (
        "早报现在是{state}。用 `/opp brief on` 或 `/opp brief off` 切换。",
        "Your morning brief is {state}. Use `/opp brief on` or `/opp brief off`.",
    ),
    "bad_brief": (
        "看不懂「{value}」。用 `/opp brief on` 开启早报，`/opp brief off` 关闭。",
        "“{value}” isn't on or off: use `/opp brief on` or `/opp brief off`.",
    ),
    "br_state_on": ("开启的", "on"),
    "br_state_off": ("关闭的", "off"),
    "hm_brief_on": ("开启早报", "Turn on morning brief"),
    "hm_brief_off": ("关闭早报", "Turn off morning brief"),
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
    "as_why_nobody": ("规则「{rule}」没有可分配的人（都在休假或已满）", "nobody is eligible under rule '{rule}' (away or at capacity)"),
    "as_why_idle": ("负责人 <@{user}> {days} 天没有跟进", "its owner <@{user}> logged nothing for {days} days"),
    "as_why_released": ("<@{user}> 放弃了它", "<@{user}> gave it up"),
    "as_offer": (
        "*#{number} {title}* 分配给了你（{role}）。{explain}。请在 {hours} 小时内接受或拒绝。",
        "*#{number} {title}* is yours ({role}). {explain}. Please accept or decline within {hours} hours.",
    ),
    "as_accept": ("接受", "Accept"),
    "as_decline": ("拒绝", "Decline"),
    "as_accepted": ("你接受了 #{number}。", "You accepted #{number}."),
    "as_declined": ("你拒绝了 #{number}，已转给下一位。", "You declined #{number}; it passes to the next person."),
    "as_offer_gone": ("这个分配已经处理过了。", "That offer has already been answered or has passed on."),
    "as_decline_title": ("拒绝分配", "Decline"),
    "as_decline_reason": ("原因", "Reason"),
    "as_decline_need_reason": ("请写明拒绝原因。", "Say why you decline."),
    "as_decline_send": ("拒绝", "Decline"),
    "as_cancel": ("取消", "Cancel"),
    "as_channel_post": ("#{number} {title}：{explain}", "#{number} {title}: {explain}"),
    "as_channel_declined": ("<@{user}> 拒绝了 #{number}（{reason}）", "<@{user}> declined #{number} ({reason})"),
    "as_expired_manager": (
        "<@{user}> 在 {hours} 小时内没有回应 #{number} {title} 的分配，已重新分配。",
        "<@{user}> did not answer the offer of #{number} {title} within {hours} hours; it was re-assigned.",
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
    "team_load_title": ("*团队负载*（进行中 · 金额 · 逾期 / 上限）", "*Workload* (open · amount · overdue / capacity)"),
    "team_load_line": (
        "<@{user}> · {open} 个 · {amount} · 逾期 {overdue} / {capacity}{full}",
        "<@{user}> · {open} open · {amount} · {overdue} overdue / {capacity}{full}",
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
}

HELP = {
    "zh": """*oppbot 商机助手* — 用 `/opp` 管理商机。命令可用中文或英文：
• `/opp new` 打开表单；`/opp new Acme ERP 项目 50万 close 下周五 stage proposal` 直接创建
  （可加 `account 客户名`、`contact 联系人`、`owner @某人`、`source 展会`、`industry 制造`、`region 华东`）
• `/opp show 42` 查看 · `/opp edit 42` 编辑
• `/opp list` 我的商机；筛选：`mine` `team` `stage:proposal` `owner:@li` `overdue` `closing:this-week` `status:won` 或关键词
• `/opp find Acme` 按名称/客户/联系人查找（含已关闭）
• `/opp move 42 方案提交` 推进阶段
• `/opp log 42 电话沟通预算 next 发报价 by 周五` 记录跟进并设置下一步
• `/opp won 42 [原因]` 赢单 · `/opp lost 42 价格 [说明]` 输单
• `/opp history 42` 变更历史
• `/opp qualify 42 budget:approved need:urgent` 资格评估（BANT 等，评分 0-100，决定 A/B/C 评级和跟进频率）
• `/opp grade 42 A|auto` 经理固定评级 · `/opp prob 42 60%|clear` 手动赢单概率 · `/opp tag 42 +高意向 -易流失`
• `/opp list due` 到期要跟进的 · `/opp list grade:A`
• `/opp team` 团队 · `/opp team load` 负载 · `/opp who 42` 谁负责 · `/opp assign 42 @li` 分配 · `/opp pool` 公海 · `/opp claim 42` 认领
• `/opp report funnel|forecast|reps|losses|cycle|trend [this-month]` 报表 · `/opp export [筛选]` 导出 CSV · `/opp list stalled` 停滞的 · `/opp brief on|off` 早报
中文命令：新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 评估 评级 概率 标签 帮助
阶段：{stages}
金额：`50万` `3.5亿` `50k` `1.2M` `¥300,000` `$20k` `300000 CNY`；日期：`下周五` `月底` `下个月初` `12月10日` `end of quarter`""",
    "en": """*oppbot* — manage deals with `/opp`. Commands work in English or Chinese:
• `/opp new` opens a form; `/opp new Acme ERP rollout 50万 close next friday stage proposal` creates directly
  (add `account Acme Corp`, `contact Jane`, `owner @li`, `source expo`, `industry manufacturing`, `region East`)
• `/opp show 42` · `/opp edit 42`
• `/opp list` your open deals; filters: `mine` `team` `stage:proposal` `owner:@li` `overdue` `closing:this-week` `status:won` or any text
• `/opp find Acme` search titles, accounts and contacts (closed deals too)
• `/opp move 42 proposal` move to a stage
• `/opp log 42 called the CFO next send quote by friday` log activity and set the next step
• `/opp won 42 [reason]` · `/opp lost 42 price [note]`
• `/opp history 42` every change, newest first
• `/opp qualify 42 budget:approved need:urgent` answer the qualification criteria (score 0-100 sets grade A/B/C and follow-up cadence)
• `/opp grade 42 A|auto` managers pin a grade · `/opp prob 42 60%|clear` override the win probability · `/opp tag 42 +hot -stale`
• `/opp list due` deals due for a touch · `/opp list grade:A`
• `/opp team` the team · `/opp team load` workload · `/opp who 42` who is responsible · `/opp assign 42 @li` · `/opp pool` public pool · `/opp claim 42`
• `/opp report funnel|forecast|reps|losses|cycle|trend [this-month]` reports · `/opp export [filters]` a CSV · `/opp list stalled` · `/opp brief on|off` morning brief
Chinese: 新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 评估 评级 概率 标签 帮助
Stages: {stages}
Amounts: `50000` `50k` `1.2M` `50万` `¥300,000` `$20k` `300000 CNY`; dates: `next friday` `end of month` `end of quarter` `Dec 31` `下周五`""",
}


def t(lang: str, key: str, **params) -> str:
    zh, en = MESSAGES[key]
    if lang == "zh":
        return zh.format(**params)
    return ONE_DAYS.sub(r"\1 day", en.format(**params))  # "every 1 days" -> "every 1 day"


ONE_DAYS = re.compile(r"(?<![\d.])(1) days\b")


def field_label(lang: str, name: str) -> str:
    key = f"field_{name}"
    return t(lang, key) if key in MESSAGES else name
