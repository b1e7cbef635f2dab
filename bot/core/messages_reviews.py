"""The sentences about reviews (复盘) and the lessons base (经验库), as (Chinese, English) pairs by
key; bot.core.messages joins them to the rest."""

from __future__ import annotations

REVIEW_MESSAGES: dict[str, tuple[str, str]] = {
    # a closed deal's card, its buttons and the form
    "rv_card_asked": (
        "📝 这一单还没有复盘：做得好的、不足的、一条经验，一分钟就好。",
        "📝 This deal's review is waiting: what worked, what didn't, one lesson — a minute's work.",
    ),
    "rv_write": ("写复盘", "Write the review"),
    "rv_edit": ("修改复盘", "Edit the review"),
    "rv_skip": ("跳过", "Skip"),
    "rv_meeting": ("发起复盘会", "Review meeting"),
    "rv_modal_title": ("复盘 #{number}", "Review #{number}"),
    "rv_form_intro": ("写下这一单做得好的、不足的和一条经验，下一单用得上。", "What worked, what didn't, and one lesson the next deal can use."),
    "rv_pick_reason": ("选择原因", "Choose a reason"),
    "field_competitor": ("竞争对手", "Competitor"),
    "field_worked": ("做得好的", "What worked"),
    "field_didnt": ("不足的", "What didn't"),
    "field_lesson": ("一条经验", "One lesson"),
    # answers
    "rv_saved": (
        "已保存 #{number} 的复盘，已收进经验库（`/opp 经验 关键词`）。",
        "Saved the review of #{number}; it is in the lessons base now (`/opp lessons` and a word).",
    ),
    "rv_changed": ("已更新 #{number} 的复盘。", "Updated the review of #{number}."),
    "rv_skipped": (
        "已跳过 #{number} 的复盘，不会再提醒。以后想写：`/opp 复盘 {number}`。",
        "Skipped the review of #{number}; no reminder will come. To write it later: `/opp review {number}`.",
    ),
    "rv_meeting_posted": ("已在 {channel} 发起 #{number} 的复盘会。", "Asked the team for a review meeting on #{number} in {channel}."),
    # refusals
    "rv_not_closed": (
        "#{number} 目前{status_name}，赢单或输单之后才能复盘。",
        "#{number} is {status_name}: a deal is reviewed once it is won or lost.",
    ),
    "rv_reason_required": ("输单复盘需要原因，请选一个。", "A lost deal's review needs its reason: choose one."),
    "rv_empty": (
        "请至少写一项：做得好的、不足的或一条经验；不想写可以点「跳过」。",
        "Write at least one of what worked, what didn't or one lesson — or choose Skip.",
    ),
    "rv_skip_done": (
        "#{number} 的复盘已经写好了，不用跳过。修改用 `/opp 复盘 {number}`。",
        "The review of #{number} is already written, so there is nothing to skip. Change it with `/opp review {number}`.",
    ),
    "rv_skip_skipped": ("#{number} 的复盘已经跳过了。", "The review of #{number} was already skipped."),
    "rv_no_channel": (
        "没有配置团队频道（config.toml 的 channels.digest），复盘会无处发起。",
        "No team channel is configured (channels.digest in config.toml), so there is nowhere to call the review meeting.",
    ),
    "rv_meeting_again": ("今天已经在 {channel} 发起过 #{number} 的复盘会了。", "A review meeting on #{number} was already called in {channel} today."),
    "meeting_not_allowed": (
        "只有 #{number} 负责人的经理或管理员可以发起复盘会。",
        "Only a manager of #{number}'s owner, or an admin, can call a review meeting.",
    ),
    "rv_help": (
        "用法：`/opp 复盘 42` 写复盘，`/opp 复盘 42 跳过` 跳过，`/opp 复盘 42 复盘会` 在团队频道发起复盘会（经理）。",
        "Use `/opp review 42` to write the review, `/opp review 42 skip` to skip it, `/opp review 42 meeting` to call a review meeting in the team channel (managers).",
    ),
    # the owner's reminder and the meeting's post
    "rv_remind": (
        "📝 #{number} {title}（{outcome}）已经过去 {days} 天，还没有复盘：做得好的、不足的、一条经验，一分钟就好。",
        "📝 #{number} {title} was {outcome} {days} days ago and has no review yet: what worked, what didn't, one lesson — a minute's work.",
    ),
    "rv_meeting_title": ("🗣 复盘会：#{number} {title}（{outcome}）", "🗣 Review meeting: #{number} {title} ({outcome})"),
    "rv_meeting_asked": (
        "<@{asked_by}> 请大家和负责人 <@{owner}> 一起复盘这一单。",
        "<@{asked_by}> asks the team to review this deal with its owner <@{owner}>.",
    ),
    "rv_meeting_facts": ("金额 {amount} · 跟进 {activities} 次 · {day} {outcome}", "Amount {amount} · {activities} activities · {outcome} on {day}"),
    "rv_meeting_stages": ("*阶段*：{stages}", "*Stages*: {stages}"),
    "rv_meeting_field": ("*{label}*：{value}", "*{label}*: {value}"),
    "rv_meeting_no_review": ("复盘还没写（`/opp 复盘 {number}`）。", "The review is not written yet (`/opp review {number}`)."),
    # the deal's history
    "ev_review_done": ("写了复盘：{new}", "wrote the review: {new}"),
    "ev_review_edited": ("修改了复盘：{new}", "changed the review: {new}"),
    "ev_review_skipped": ("跳过了复盘", "skipped the review"),
    "ev_review_meeting": ("在 {new} 发起了复盘会", "called a review meeting in {new}"),
    # the lessons base
    "ls_need_word": (
        "请给出要找的经验：关键词、竞争对手、行业或原因，例如 `/opp 经验 价格`、`/opp 经验 制造`。",
        "Say what to look for: a word, a competitor, an industry or a reason, e.g. `/opp lessons price`, `/opp lessons manufacturing`.",
    ),
    "ls_title": ("经验库：「{word}」（{total} 条）", "Lessons: “{word}” ({total})"),
    "ls_none": (
        "经验库里没有与「{word}」有关的经验。可以按关键词、竞争对手、行业或原因查找。",
        "No lessons match “{word}”. Look for a word, a competitor, an industry or a reason.",
    ),
    "ls_competitor": ("对手 {name}", "competitor {name}"),
    "ls_more": ("还有 {more} 条 — 换个更具体的词缩小范围。", "and {more} more — narrow it with another word."),
    "ls_hint": ("💡 相似商机的 {count} 条经验", "💡 {count} lessons from similar deals"),
    "ls_hint_one": ("💡 相似商机的 1 条经验", "💡 1 lesson from a similar deal"),
    "ls_show": ("查看经验", "Show lessons"),
    "ls_similar_title": ("与 #{number} 相似的商机的经验（{total} 条）", "Lessons from deals like #{number} ({total})"),
    "ls_similar_none": ("还没有与 #{number} 相似的商机的经验。", "No lessons from deals like #{number} yet."),
    # the losses report
    "rp_lessons_link": ("经验 {count} 条：`/opp 经验 {word}`", "lessons ({count}): `/opp lessons {word}`"),
    "rp_competitors": ("*竞争对手*（来自复盘）", "*Competitors* (from reviews)"),
    "rp_competitor_line": ("{name}：{count} 个（{amount}）", "{name}: {count} ({amount})"),
    "rp_no_competitors": ("这段时间输单的复盘里没有写竞争对手。", "No review of a deal lost in this period names a competitor."),
}
