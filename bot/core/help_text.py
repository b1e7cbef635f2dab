"""`/opp help` in Chinese and English: every subcommand with an example (a test checks none is
missing). ``{stages}`` is filled in with the configured stages."""

HELP = {
    "zh": """*oppbot 商机助手* — 用 `/opp` 管理商机。命令可用中文或英文：
• `/opp new` 打开表单；`/opp new Acme ERP 项目 50万 close 下周五 stage proposal` 直接创建
  （可加 `account 客户名`、`contact 联系人`、`owner @某人`、`source 展会`、`industry 制造`、`region 华东`）
• `/opp show 42` 查看 · `/opp edit 42` 编辑
• `/opp list` 我的商机；筛选：`mine` `team` `stage:proposal` `owner:@li` `overdue` `closing:this-week` `status:won` 或关键词
• `/opp find Acme` 按名称/客户/联系人查找（含已关闭）
• `/opp move 42 方案提交` 推进阶段
• `/opp log 42 电话沟通预算 next 发报价 by 周五` 记录跟进并设置下一步
• `/opp won 42 [原因]` 赢单（评分不够时经理可破例：`/opp 赢单 42 破例: 原因`）· `/opp lost 42 价格 [说明]` 输单
• `/opp history 42` 变更历史
• `/opp merge 12 into 15`（`/opp 合并 12 到 15`）撞单合并：把 #12 的记录并入 #15（经理）
• `/opp qualify 42 budget:approved need:urgent` 资格评估（BANT 等，评分 0-100，决定 A/B/C 评级和跟进频率）
• `/opp grade 42 A|auto` 经理固定评级 · `/opp prob 42 60%|clear` 手动赢单概率 · `/opp tag 42 +高意向 -易流失`
• `/opp list due` 到期要跟进的 · `/opp list grade:A`
• `/opp risk 42 competitor [说明]` 标记风险（`/opp risk 42 clear competitor` 解除）· `/opp remind 42 明天上午10点 给CFO打电话` 定时提醒 · `/opp 提醒设置 私信|汇总|频道|静音 3天` 我的商机提醒怎么收
• `/opp team` 团队 · `/opp team load` 负载 · `/opp who 42` 谁负责 · `/opp assign 42 @li` 分配 · `/opp reassign 42 @li` 转交 · `/opp pool` 公海 · `/opp claim 42` 认领
• `/opp report funnel|forecast|reps|losses|cycle|trend [this-month]` 报表 · `/opp export [筛选]` 导出 CSV · `/opp list stalled` 停滞的 · `/opp brief on|off` 早报
中文命令：新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 评估 评级 概率 标签 风险 提醒 提醒设置 报表 导出 早报 团队 谁负责 分配 转交 公海 认领 帮助
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
• `/opp won 42 [reason]` (below the qualification threshold a manager may `/opp won 42 override: why`) · `/opp lost 42 price [note]`
• `/opp history 42` every change, newest first
• `/opp merge 12 into 15` a duplicate merged: #12's history moves to #15 (managers)
• `/opp qualify 42 budget:approved need:urgent` answer the qualification criteria (score 0-100 sets grade A/B/C and follow-up cadence)
• `/opp grade 42 A|auto` managers pin a grade · `/opp prob 42 60%|clear` override the win probability · `/opp tag 42 +hot -stale`
• `/opp list due` deals due for a touch · `/opp list grade:A`
• `/opp risk 42 competitor [note]` flag a risk (`/opp risk 42 clear competitor` clears it) · `/opp remind 42 tomorrow 10am call the CFO` a reminder · `/opp alerts dm|bundle|channel|mute 3d` how I hear about my deals
• `/opp team` the team · `/opp team load` workload · `/opp who 42` who is responsible · `/opp assign 42 @li` · `/opp reassign 42 @li` · `/opp pool` public pool · `/opp claim 42`
• `/opp report funnel|forecast|reps|losses|cycle|trend [this-month]` reports · `/opp export [filters]` a CSV · `/opp list stalled` · `/opp brief on|off` morning brief
Chinese: 新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 历史 评估 评级 概率 标签 风险 提醒 提醒设置 报表 导出 早报 团队 谁负责 分配 转交 公海 认领 帮助
Stages: {stages}
Amounts: `50000` `50k` `1.2M` `50万` `¥300,000` `$20k` `300000 CNY`; dates: `next friday` `end of month` `end of quarter` `Dec 31` `下周五`""",
}
