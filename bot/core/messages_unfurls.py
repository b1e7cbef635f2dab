"""The sentences of a pasted deal link's preview (unfurl), in Chinese and English."""

UNFURL_MESSAGES: dict[str, tuple[str, str]] = {
    "uf_amount_hidden": ("此频道与其他组织共享，不显示金额", "Amount not shown: this channel is shared with another organisation"),
    "uf_footer": ("oppbot 商机", "oppbot deal"),
}
