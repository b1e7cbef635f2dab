"""The sentences about a won deal's handover to delivery (交接) and a stage's key actions (the
playbook), as (Chinese, English) pairs by key; bot.core.messages joins them to the rest."""

from __future__ import annotations

HANDOVER_MESSAGES: dict[str, tuple[str, str]] = {
    # --- the handover (bot.deals.handover, handlers.handover) ---
    "handover_not_won": (
        "#{number} {status_name}：只有赢单的{g_deal}才交接给交付。赢单后（`/opp 赢单 {number}`）再交接。",
        "#{number} is {status_name}: only a won {g_deal} is handed over to delivery. Mark it won first (`/opp won {number}`).",
    ),
    "handover_missing": (
        "#{number} 还没有交接单：`/opp 交接 {number}` 打开交接表单。",
        "#{number} has no handover yet: `/opp handover {number}` opens its form.",
    ),
    "handover_not_allowed": (
        "你不能修改 #{number} 的交接：只有{who}或管理员可以。",
        "You can't change #{number}'s handover: only {who} or an admin can.",
    ),
    "perm_delivery_owner": ("交付负责人 <@{user}>", "its delivery owner <@{user}>"),
    "handover_unknown_step": (
        "交接清单里没有「{value}」，什么都没有修改。可选：{steps}。",
        "The handover checklist has no step “{value}”; nothing was changed. Steps: {steps}.",
    ),
    "handover_need_step": (
        "请说明完成了哪一步，例如 `/opp 交接 {number} 完成 实施范围确认`。可选：{steps}。",
        "Say which step is done, e.g. `/opp handover {number} done scope`. Steps: {steps}.",
    ),
    "handover_already_ticked": (
        "#{number} 交接的「{step}」已经勾选过了（<@{user}>，{day}），什么都没有修改。",
        "“{step}” on #{number}'s handover was ticked already (by <@{user}>, {day}); nothing was changed.",
    ),
    "handover_closed": (
        "#{number} 的交接已在 {day} 客户验收后完成，什么都没有修改。",
        "#{number}'s handover was closed by the customer's acceptance on {day}; nothing was changed.",
    ),
    "handover_future_acceptance": (
        "验收日期 {value} 晚于今天，什么都没有修改。请写客户实际验收的日期，例如 `/opp 交接 {number} 验收 昨天` 或 `2026-11-20`。",
        "The acceptance date {value} is after today; nothing was changed. Give the day the customer accepted, e.g. `/opp handover {number} accepted yesterday` or `2026-11-20`.",
    ),
    "handover_usage": (
        "`/opp 交接 {number}` 查看交接（没有时打开表单）；`/opp 交接 {number} 完成 实施范围确认` 勾选一步；`/opp 交接 {number} 验收 [日期]` 记录客户验收；`/opp 交接 {number} 编辑` 修改交接单。",
        "`/opp handover {number}` shows the handover (or opens its form); `/opp handover {number} done scope` ticks a step; `/opp handover {number} accepted [date]` records the customer's acceptance; `/opp handover {number} edit` changes it.",
    ),
    "handover_saved": ("#{number} 已交接给交付，由 <@{user}> 负责交付。", "#{number} is handed over to delivery: <@{user}> delivers it."),
    "handover_saved_nobody": (
        "#{number} 已交接，但没有可分配的交付人员：请在表单里选择交付负责人（`/opp 交接 {number} 编辑`）。",
        "#{number} is handed over, but nobody with the delivery role could take it: choose a delivery owner in the form (`/opp handover {number} edit`).",
    ),
    "handover_updated": ("已更新 #{number} 的交接：{fields}。", "Updated #{number}'s handover: {fields}."),
    "handover_unchanged": ("#{number} 的交接没有变化。", "Nothing changed in #{number}'s handover."),
    "handover_ticked": ("已勾选 #{number} 交接的「{step}」。", "Ticked “{step}” on #{number}'s handover."),
    "handover_accepted": (
        "已记录 #{number} 的客户验收（{day}），交接完成。",
        "Recorded the customer's acceptance of #{number} on {day}; the handover is closed.",
    ),
    "won_then_handover": (
        "请填写交接单，交给交付团队。",
        "Fill in the handover for the delivery team.",
    ),
    "ho_title": ("📦 交接：#{number} {title}", "📦 Handover: #{number} {title}"),
    "ho_checklist": ("*交接清单*（{done}/{total}）", "*Checklist* ({done} of {total})"),
    "ho_ticked": ("<@{user}>，{day}", "<@{user}>, {day}"),
    "ho_accepted": ("✅ 客户已于 {day} 验收，交接完成。", "✅ Accepted by the customer on {day}: the handover is closed."),
    "ho_nobody": ("暂无（`/opp 交接 {number} 编辑` 指定）", "nobody yet (`/opp handover {number} edit`)"),
    "btn_tick": ("✓ {step}", "✓ {step}"),
    "btn_handover_edit": ("编辑交接", "Edit handover"),
    "modal_handover": ("交接 #{number}", "Handover #{number}"),
    "hint_delivery_owner": ("不选则按分配规则从交付人员中指定", "Left empty: the assignment rules choose someone with the delivery role"),
    "hint_key_dates": ("例如 12月1日启动，2027-03-31 上线", "e.g. kickoff Dec 1, go-live 2027-03-31"),
    "field_delivery_owner": ("交付负责人", "Delivery owner"),
    "field_scope": ("实施范围", "Scope"),
    "field_key_dates": ("关键时间节点", "Key dates"),
    "field_notes": ("备注", "Notes"),
    "ev_handover_opened": ("交接给交付（{new}）", "handed it over to delivery ({new})"),
    "ev_handover_changed": ("把交接的{field}从 {old} 改为 {new}", "changed the handover's {field} from {old} to {new}"),
    "ev_handover_step": ("勾选了交接清单的「{step}」", "ticked the handover step “{step}”"),
    "ev_handover_accepted": ("记录客户验收（{new}），交接完成", "recorded the customer's acceptance on {new}, closing the handover"),
    "cond_handover_stalled": ("交接停滞", "Handover stalled"),
    "why_handover_stalled": (
        "交接 {days} 天没有进展（最多 {limit} 天）；未完成：{steps} — `/opp 交接 {number}`",
        "no progress on the handover for {days} days ({limit} allowed); still to do: {steps} — `/opp handover {number}`",
    ),
    # --- a stage's key actions (bot.deals.playbook, the deal card, `/opp who`) ---
    "card_playbook": ("*{stage}的关键动作*（{done}/{total}）", "*Key actions in {stage}* ({done} of {total})"),
    "who_playbook": ("{stage}的关键动作（由{role}负责）：", "Key actions in {stage} (the {role}'s):"),
    "playbook_ticked": ("已完成 #{number} 的「{action}」。", "Ticked “{action}” on #{number}."),
    "playbook_already": ("#{number} 的「{action}」已经勾选过了，什么都没有修改。", "“{action}” on #{number} was ticked already; nothing was changed."),
    "playbook_moved": (
        "#{number} 已经不在「{stage}」阶段了，什么都没有修改；卡片现在显示当前阶段的关键动作（`/opp 查看 {number}`）。",
        "#{number} is no longer in {stage}; nothing was changed. Its card shows the key actions of the stage it is in now (`/opp show {number}`).",
    ),
    "playbook_unknown": (
        "「{stage}」没有「{value}」这个关键动作，什么都没有修改。可选：{steps}。",
        "{stage} has no key action “{value}”; nothing was changed. Actions: {steps}.",
    ),
    "ev_playbook": ("完成了关键动作「{action}」（{stage}）", "ticked the key action “{action}” ({stage})"),
}
