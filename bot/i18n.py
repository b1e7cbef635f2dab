"""Every sentence oppbot says, in Chinese and English. ``t(lang, key, **params)``.

Parameters that carry user text are escaped for mrkdwn by the caller (bot.render.esc)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # errors a user can fix
    "deal_not_found": ("找不到商机 #{number}。用 `/opp list` 或 `/opp find 关键词` 查找编号。",
                       "There is no deal #{number}. Use `/opp list`, or `/opp find` with a word from its title, to find its number."),
    "need_number": ("请给出商机编号，例如 `/opp {sub} 42`。", "Give a deal number, e.g. `/opp {sub} 42`."),
    "bad_number": ("「{value}」不是商机编号，编号是数字，例如 `/opp {sub} 42`。",
                   "“{value}” is not a deal number; numbers look like `42` or `#42`, e.g. `/opp {sub} 42`."),
    "unknown_stage": ("没有「{value}」这个阶段。可选：{stages}。例如 `/opp move 42 proposal`。",
                      "There is no stage “{value}”. Stages: {stages}. Example: `/opp move 42 proposal`."),
    "need_stage": ("请给出目标阶段，例如 `/opp 推进 42 方案提交`。可选：{stages}。",
                   "Give the stage to move to, e.g. `/opp move 42 proposal`. Stages: {stages}."),
    "already_in_stage": ("#{number} 已经在这个阶段了。", "#{number} is already in that stage."),
    "deal_closed": ("#{number} 已经{status_name}，不能再推进或关闭。", "#{number} is already {status_name}; it can't be moved or closed again."),
    "unreadable_amount": ("看不懂金额「{value}」。可以这样写：`50万`、`3.5亿`、`50k`、`¥300,000`、`$20k`、`300000 CNY`。",
                          "Couldn't read the amount “{value}”. Try `50000`, `50k`, `1.2M`, `50万`, `¥300,000`, `$20k` or `300000 CNY`."),
    "unreadable_date": ("看不懂日期「{value}」。可以这样写：`下周五`、`月底`、`12月10日`、`2026-12-31`、`end of quarter`。",
                        "Couldn't read the date “{value}”. Try `next friday`, `end of month`, `end of quarter`, `Dec 31`, `2026-12-31` or `下周五`."),
    "title_required": ("请给商机起个名字，例如 `/opp new Acme ERP 项目 50万 close 下周五`。",
                       "Give the deal a title, e.g. `/opp new Acme ERP rollout 50万 close next friday`."),
    "too_long": ("「{name_label}」太长了（{length} 个字符），最多 {limit} 个字符。",
                 "“{name_label}” is too long ({length} characters); keep it to {limit}."),
    "bad_tags": ("标签最多 {max_tags} 个，每个不超过 {max_length} 个字符。", "At most {max_tags} tags of up to {max_length} characters each."),
    "activity_required": ("请写下跟进内容，例如 `/opp log 42 电话沟通了预算 next 发报价 by 周五`。",
                          "Say what happened, e.g. `/opp log 42 called the CFO next send quote by friday`."),
    "bad_activity_kind": ("跟进类型「{kind}」不存在。可选：{kinds}。", "Unknown activity type “{kind}”. Types: {kinds}."),
    "lost_reason_required": ("请写明输单原因，例如 `/opp lost {number} 价格`。可选：{reasons}。",
                             "Say why it was lost, e.g. `/opp lost {number} price`. Reasons: {reasons}."),
    "unknown_lost_reason": ("没有「{value}」这个输单原因。可选：{reasons}。原因后面可以加说明，例如 `/opp lost 42 竞争对手 对方低价`。",
                            "“{value}” is not a loss reason. Reasons: {reasons}. You can add a note after it, e.g. `/opp lost 42 competitor undercut on price`."),
    "not_allowed": ("你不能修改 #{number}：只有负责人 <@{owner}>、创建人 <@{creator}> 或管理员可以修改。",
                    "You can't change #{number}: only its owner <@{owner}>, its creator <@{creator}> or an admin can."),
    "stale_edit": ("有人刚刚修改了 #{number}，你的修改没有保存。请重新打开再改（`/opp edit {number}`）。",
                   "Someone changed #{number} while you were editing; your change was not saved. Reload it with `/opp edit {number}` and try again."),
    "conflict": ("这个商机刚被别人修改了，请重试。", "That deal was changed by someone else at the same moment; please try again."),
    "unknown_subcommand": ("没有「{value}」这个命令。输入 `/opp help` 查看全部命令。",
                           "There is no `/opp {value}` command. Type `/opp help` to see them all."),
    "bad_filter": ("看不懂筛选条件「{value}」。可以用：`mine`、`team`、`stage:proposal`、`owner:@某人`、`overdue`、`closing:this-week`、`status:won`，或直接输入关键词。",
                   "Couldn't use the filter “{value}”. Filters: `mine`, `team`, `stage:proposal`, `owner:@someone`, `overdue`, `closing:this-week`, `status:won`, or any text."),
    "need_find_text": ("请给出要查找的内容，例如 `/opp find Acme`。", "Say what to look for, e.g. `/opp find Acme`."),
    "input_too_long": ("输入太长了（{length} 个字符），最多 {limit} 个字符。", "That is too long ({length} characters); the most is {limit}."),
    "bad_user": ("「{value}」不是 Slack 用户，请用 @ 提及，例如 `owner:@li`。", "“{value}” is not a Slack user; mention them with @, e.g. `owner:@li`."),
    "internal_error": ("出错了，什么都没有修改。请稍后再试；如果一直出错，请联系管理员（错误编号 {ref}）。",
                       "Something went wrong and nothing was changed. Please try again; if it keeps happening, tell your admin (error ref {ref})."),
    "modal_failed": ("表单没能打开（Slack 拒绝了请求，可能是点击太久之前）。请再试一次。",
                     "The form couldn't open (Slack refused it, perhaps the click was too long ago). Please try again."),
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
    "list_more": ("还有 {more} 个未显示，请加筛选条件缩小范围，例如 `stage:proposal` 或 `closing:this-week`。",
                  "{more} more not shown; narrow it with a filter such as `stage:proposal` or `closing:this-week`."),
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
中文命令：新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 帮助
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
Chinese: 新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 帮助
Stages: {stages}
Amounts: `50000` `50k` `1.2M` `50万` `¥300,000` `$20k` `300000 CNY`; dates: `next friday` `end of month` `end of quarter` `Dec 31` `下周五`""",
}


def t(lang: str, key: str, **params) -> str:
    zh, en = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**params)


def field_label(lang: str, name: str) -> str:
    key = f"field_{name}"
    return t(lang, key) if key in MESSAGES else name
