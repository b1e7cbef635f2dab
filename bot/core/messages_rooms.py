"""The sentences of deal threads and deal rooms (`/opp room`, `/opp 群`): what a deal's thread is
told when the deal changes, and the answers to making a room, in Chinese and English."""

ROOM_MESSAGES: dict[str, tuple[str, str]] = {
    "thread_stage": ("<@{who}> 把 #{number} 从「{old}」推进到「{new}」", "<@{who}> moved #{number} from {old} to {new}"),
    "thread_won": ("🎉 <@{who}> 把 #{number} 标为赢单", "🎉 <@{who}> marked #{number} won"),
    "thread_lost": ("<@{who}> 把 #{number} 标为输单", "<@{who}> marked #{number} lost"),
    "thread_reopened": ("<@{who}> 重新打开了 #{number}", "<@{who}> reopened #{number}"),
    "thread_owner": ("#{number} 改由 <@{new}> 负责（原为 <@{old}>）", "#{number} is now <@{new}>'s (was <@{old}>'s)"),
    "thread_owner_new": ("#{number} 改由 <@{new}> 负责", "#{number} is now <@{new}>'s"),
    "thread_room_closing": ("商机已关闭，这个频道将被归档。", "The deal is closed; this channel will be archived."),
    "ev_room_room_channel": ("建了商机群 <#{new}>", "made the deal's room <#{new}>"),
    "room_made": (
        "已为 #{number} 建群 <#{channel}>，邀请了 {people}；商机卡片已发到群里，之后的提醒和变更也会发到那里。",
        "Made <#{channel}> for #{number} and invited {people}; the deal's card is posted there, and its alerts and changes will go there too.",
    ),
    "room_exists": ("#{number} 已经有群了：<#{channel}>", "#{number} already has a room: <#{channel}>"),
    "room_closed_deal": ("#{number} 已关闭，不再建群。", "#{number} is closed; rooms are for open deals."),
    "room_not_allowed": (
        "只有能修改 #{number} 的人（负责人、其经理或管理员）可以为它建群。",
        "Only someone who may change #{number} (its owner, their manager or an admin) can make a room for it.",
    ),
    "room_slack_refused": (
        "Slack 没有让 oppbot 建群（{error}）：{hint}什么都没有改动。",
        "Slack did not let oppbot make the room ({error}): {hint}Nothing was changed.",
    ),
    "room_hint_restricted": (
        "这个工作区只允许部分人建频道，请让 Slack 管理员放开。",
        "this workspace lets only some people make channels; ask a Slack admin to allow it. ",
    ),
    "room_hint_scope": (
        "oppbot 缺少 channels:manage 权限，请管理员按最新的 manifest 重新安装应用。",
        "oppbot lacks the channels:manage scope; an admin should reinstall the app from the current manifest. ",
    ),
    "room_hint_other": ("请稍后再试。", "please try again later. "),
    "room_names_taken": (
        "频道名 {name} 及其后缀都已被占用，请先改商机的客户名。",
        "The channel name {name} and its suffixes are all taken; change the deal's account name first.",
    ),
}
