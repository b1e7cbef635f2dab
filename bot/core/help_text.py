"""`/opp help` in Chinese and English: every subcommand with an example (a test checks none is
missing). ``{stages}`` is filled in with the configured stages."""

HELP = {
    "zh": """*oppbot 商机助手* — 用 `/opp` 管理商机（英文命令也能用）：
• `/opp 新建` 打开表单；`/opp 新建 恒通 WMS 项目 五十万 成交日 下周五 阶段 方案提交` 直接创建
  （可加 `客户 苏州恒通`、`联系人 王经理`、`负责人 @某人`、`来源 展会`、`行业 制造`、`区域 华东`、`下一步：周五前发方案`）
• `/opp 查看 42` 查看 · `/opp 编辑 42` 编辑
• `/opp 列表` 我的商机；筛选：`团队` `全部` `阶段:方案提交` `负责人:@li` `逾期` `停滞` `待跟进` `本周` `本月` `本季度` `状态:赢单` `等级:A` `区域:华东` `行业:制造` `来源:展会` 或关键词
• `/opp 查找 恒通` 按名称/客户/联系人查找（含已关闭）
• `/opp 推进 42 方案提交` 推进阶段
• `/opp 跟进 42 电话：沟通了预算 下一步：周五前发报价` 记录跟进并设置下一步
• `/opp 赢单 42 客户关系` 赢单（评分不够时经理可破例：`/opp 赢单 42 破例: 原因`）· `/opp 输单 42 价格 对方低价` 输单
• `/opp 历史 42` 变更历史
• `/opp 交接 42` 赢单后交接给交付（`完成 实施范围确认` 勾选一步，`验收 [日期]` 客户验收，`编辑` 修改交接单）；卡片上点 ✓ 勾选本阶段的关键动作
• `/opp 复盘 42` 写复盘（赢单、输单后会请你写）· `/opp 复盘 42 跳过` · `/opp 复盘 42 复盘会` 在团队频道发起复盘会（经理）
• `/opp 经验 价格` 经验库：按关键词、竞争对手、行业或原因找复盘里的经验
• `/opp 合并 12 到 15` 撞单合并：把 #12 的记录并入 #15（经理）
• `/opp 评估 42 预算:已批准 需求:紧迫` 资格评估（BANT 等，评分 0-100，决定 A/B/C 评级和跟进频率）
• `/opp 评级 42 A` 经理固定评级（`自动` 恢复）· `/opp 概率 42 60%` 手动赢单概率（`清除` 恢复）· `/opp 标签 42 +高意向 -易流失`
• `/opp 风险 42 竞争对手 对方报价更低` 标记风险（`/opp 风险 42 解除 竞争对手` 解除）· `/opp 提醒 42 明天上午10点 给CFO打电话` 定时提醒 · `/opp 提醒设置 私信|汇总|频道|静音 3天` 我的商机提醒怎么收
• `/opp 回款 42 计划 30% 2026-12-31, 70% 2027-03-31` 回款计划 · `/opp 回款 42 收到 15万 [日期]` 记录到账 · `/opp 回款 42` 查看
• `/opp 追加 42 二期扩容 30万` 从赢单商机创建二次商机 · `/opp 客户 苏州恒通` 客户的全部商机、回款和经验
• `/opp 团队` 团队 · `/opp 团队 负载` 负载 · `/opp 谁负责 42` 谁负责 · `/opp 分配 42 @li` 分配 · `/opp 转交 42 @li` 转交 · `/opp 公海` 公海 · `/opp 认领 42` 认领
• `/opp 报表 漏斗|预测|人员|输单|周期|趋势|回款 [本月|上季度|2017年|2017年第二季度|2017年6月|2017-06-01..2017-06-30]` 报表 · `/opp 导出 [筛选]` 导出 CSV · `/opp 早报 开|关` 早报
• `/opp 目标` 本月、本季度的目标与达成 · `/opp 目标 @li 2027年第一季度 200万` 个人目标 · `/opp 目标 团队 下季度 1000万 平分|按容量` 团队目标并拆分（经理）· `/opp 目标 历史 [@li]` · `/opp 报表 目标|预测准确率 [上月]` · `/opp 预测 42 承诺|乐观|管道|默认` 预测分类
• `/opp 评审` 把商机评审会议程发到团队频道（经理；每周也会自动发）：大单的倒退、停滞、风险、本月成交，以及未完成的行动 · `/opp 评审 预览` 只给自己看
• `/opp 标签 42 需求:报表导出` 记录客户需求（表单里的「客户需求」也可以）· `/opp 报表 需求 [本季度]` 给产品团队的需求排行
中文命令：新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 交接 历史 复盘 经验 合并 评估 评级 概率 标签 风险 提醒 提醒设置 回款 追加 客户 报表 导出 早报 团队 谁负责 分配 转交 公海 认领 目标 预测 评审 求助 帮助
• `/opp 报表 协作|来源|地区|行业 [期间]` 响应速度、线索来源、各地区/行业对比 · `/opp 报表 漏斗 地区:华东`（或 `行业:制造`，漏斗和周期报表）只看一个地区或行业
• `/opp 求助 42 客户要求单点登录，我们支持吗？` 向本阶段被咨询的角色（如售前支持）求助，卡片上的「求助」按钮也可以；回答会私信给你 · `/opp 报表 考核 [商务拓展|客户经理|售前|经理] [本月]` 各角色的考核指标（每项的定义在报表里）
• 快捷方式：消息的 ⋯ 菜单里「记到商机」把这条消息记到一个商机的跟进里，「从消息建商机」用它填好新建商机表单；输入框的 / 快捷方式里「新建商机」打开表单
• `/opp 群 42` 为商机建群（deal-42-客户名）：邀请负责人和本阶段相关的人，商机卡片、提醒和变更都发到群里；已有群时给出群的链接；商机关闭后群会归档
阶段：{stages}
金额：`五十万` `50万` `一百二十万` `3.5亿` `¥300,000` `5万美元`；日期：`下周五` `月底` `下个月初` `12月10日`""",
    "en": """*oppbot* — manage deals with `/opp`. Commands work in English or Chinese:
• `/opp new` opens a form; `/opp new Acme ERP rollout 50万 close next friday stage proposal` creates directly
  (add `account Acme Corp`, `contact Jane`, `owner @li`, `source expo`, `industry manufacturing`, `region East`)
• `/opp show 42` · `/opp edit 42`
• `/opp list` your open deals; filters: `team` `all` `stage:proposal` `owner:@li` `overdue` `stalled` `due` `this-week` `this-month` `this-quarter` `status:won` `grade:A` `region:East` `industry:manufacturing` `source:expo` or any text
• `/opp find Acme` search titles, accounts and contacts (closed deals too)
• `/opp move 42 proposal` move to a stage
• `/opp log 42 called the CFO next send quote by friday` log activity and set the next step
• `/opp won 42 [reason]` (below the qualification threshold a manager may `/opp won 42 override: why`) · `/opp lost 42 price [note]`
• `/opp history 42` every change, newest first
• `/opp handover 42` a won deal's handover to delivery (`done scope` ticks a step, `accepted [date]` the customer's acceptance, `edit`); ✓ on a card ticks a key action of its stage
• `/opp review 42` write the review (asked for when a deal is won or lost) · `/opp review 42 skip` · `/opp review 42 meeting` a review meeting in the team channel (managers)
• `/opp lessons price` the lessons base: reviews' lessons by a word, a competitor, an industry or a reason
• `/opp merge 12 into 15` a duplicate merged: #12's history moves to #15 (managers)
• `/opp qualify 42 budget:approved need:urgent` answer the qualification criteria (score 0-100 sets grade A/B/C and follow-up cadence)
• `/opp grade 42 A|auto` managers pin a grade · `/opp prob 42 60%|clear` override the win probability · `/opp tag 42 +hot -stale`
• `/opp list due` deals due for a touch · `/opp list grade:A`
• `/opp risk 42 competitor [note]` flag a risk (`/opp risk 42 clear competitor` clears it) · `/opp remind 42 tomorrow 10am call the CFO` a reminder · `/opp alerts dm|bundle|channel|mute 3d` how I hear about my deals
• `/opp pay 42 plan 30% 2026-12-31, 70% 2027-03-31` a payment plan · `/opp pay 42 received 150k [date]` money in · `/opp pay 42` where it stands
• `/opp followon 42 Phase 2 300k` a follow-on deal from a won one · `/opp account Acme` an account's deals, payments and lessons
• `/opp team` the team · `/opp team load` workload · `/opp who 42` who is responsible · `/opp assign 42 @li` · `/opp reassign 42 @li` · `/opp pool` public pool · `/opp claim 42`
• `/opp report funnel|forecast|reps|losses|cycle|trend|payments [this-month|last-quarter|2017|2017-Q2|2017-06|2017-06-01..2017-06-30]` reports · `/opp export [filters]` a CSV · `/opp list stalled` · `/opp brief on|off` morning brief
• `/opp target` this month's and quarter's targets and attainment · `/opp target @li 2027-Q1 2m` a personal target · `/opp target team next-quarter 10m split even|capacity` the team's, split (managers) · `/opp target history [@li]` · `/opp report targets|forecast-accuracy [last-month]` · `/opp forecast 42 commit|best-case|pipeline|auto` a deal's forecast category
• `/opp meeting` posts the weekly review meeting's agenda to the team channel (managers; also posted weekly): big deals that moved back, stalled, at risk or close this month, and open actions · `/opp meeting preview` just for you
• `/opp tag 42 need:report-export` records a customer need (or the form's Customer needs) · `/opp report needs [this-quarter]` needs ranked for the product team
Chinese: 新建 查看 编辑 列表 查找 推进 跟进 赢单 输单 交接 历史 复盘 经验 合并 评估 评级 概率 标签 风险 提醒 提醒设置 回款 追加 客户 报表 导出 早报 团队 谁负责 分配 转交 公海 认领 目标 预测 评审 求助 帮助
• `/opp report collab|sources|regions|industries [period]` response times, lead sources, regions and industries side by side · `/opp report funnel region:East` (or `industry:Retail`; funnel and cycle) one region or industry
• `/opp ask 42 Can we do single sign-on?` ask the role this stage consults (pre-sales support, say), or the card's Ask support button; the answer comes by DM · `/opp report kpi [bdr|ae|support|manager] [this-month]` each role's KPIs (each figure defined in the report)
• Shortcuts: on a message's ⋯ menu, *Log to deal* logs the message on a deal and *Deal from msg* fills in the new-deal form from it; *New deal* in the composer's / shortcuts opens the form
• `/opp room 42` a channel for the deal (deal-42-<account>) with its owner and this stage's people: its card, alerts and changes go there; a room it has already is linked; archived when the deal closes
Stages: {stages}
Amounts: `50000` `50k` `1.2M` `50万` `¥300,000` `$20k` `300000 CNY`; dates: `next friday` `end of month` `end of quarter` `Dec 31` `下周五`""",
}
