"""The sentences of the install pages (installing oppbot in a workspace through Slack), in Chinese
and English. Plain text: bot.pages.install escapes them."""

INSTALL_MESSAGES: dict[str, tuple[str, str]] = {
    "install_title": ("安装 oppbot", "Install oppbot"),
    "install_intro": (
        "oppbot 在 Slack 里管理商机：/opp 命令、分配、提醒和周报。点下面的按钮，把它添加到你的工作区。",
        "oppbot manages deals in Slack: /opp commands, assignment, alerts and digests. Use the button below to add it to your workspace.",
    ),
    "install_button": ("添加到 Slack", "Add to Slack"),
    "installed_title": ("oppbot 已安装", "oppbot is installed"),
    "installed": (
        "oppbot 已添加到 {team}。在任意频道输入 /opp help 开始使用。",
        "oppbot is now in {team}. Type /opp help in any channel to start.",
    ),
    "install_failed_title": ("没能安装 oppbot", "oppbot was not installed"),
    "install_failed_denied": ("安装已取消，工作区里没有任何改变。", "The install was cancelled; nothing changed in your workspace."),
    "install_failed_expired": (
        "这个安装链接已失效或不是从本页打开的。请回到安装页重新开始。",
        "This install link has expired or was not opened from this site. Go back to the install page and start again.",
    ),
    "install_failed_other": (
        "Slack 没有确认这次安装，工作区里没有任何改变。请回到安装页重试。",
        "Slack did not confirm the install; nothing changed in your workspace. Go back to the install page and try again.",
    ),
    "install_again": ("回到安装页", "Back to the install page"),
    # in Slack, to someone of a workspace oppbot has no installation for (removed, or never installed)
    "install_missing": (
        "oppbot 在这个工作区的安装已不存在，请管理员重新安装。",
        "oppbot is no longer installed in this workspace; ask an admin to install it again.",
    ),
}
