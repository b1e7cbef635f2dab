"""The sentences of the shortcuts on a message and the global one: logging a message to a deal,
a deal made from a message, in Chinese and English."""

SHORTCUT_MESSAGES: dict[str, tuple[str, str]] = {
    "sc_log_title": ("记到商机", "Log to deal"),
    "sc_log_save": ("记录", "Log"),
    "field_deal": ("商机", "Deal"),
    "field_note": ("备注", "Note"),
    "sc_pick_placeholder": ("输入编号或名称，如 42、恒通", "Type a number or name, e.g. 42, Acme"),
    "sc_note_hint": ("可选：写在消息前面的一句话。", "Optional: a line logged above the message."),
    "sc_message_from_name": ("{author} 的消息：", "Message from {author}:"),
    "sc_clipped": (
        "消息较长，只记录前 {kept} 个字（共 {total} 个字）。",
        "The message is long: its first {kept} of {total} characters are logged.",
    ),
    "sc_no_link": ("Slack 没有给出这条消息的链接，记录时不带链接。", "Slack gave no link to this message: it is logged without one."),
    "sc_activity_head": ("来自 {author} 的 Slack 消息：", "From a Slack message by {author}:"),
    "sc_no_text": ("（消息没有文字）", "(the message has no text)"),
    "sc_source_note": ("由 Slack 消息创建：{link}", "Created from a Slack message: {link}"),
    "sc_pick_deal": (
        "请选择一个商机：输入编号（如 42）或名称，再从列表中选。",
        "Pick a deal: type its number (e.g. 42) or a name, then choose it from the list.",
    ),
    "sc_logged": ("已把消息记到 #{number}。", "The message is logged on #{number}."),
}
