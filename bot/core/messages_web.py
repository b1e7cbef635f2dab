"""The sentences of the web pages (a deal's page, the pipeline board, Sign in with Slack), in
Chinese and English. Plain text: the pages' templates escape them."""

WEB_MESSAGES: dict[str, tuple[str, str]] = {
    "web_title": ("oppbot 商机", "oppbot deals"),
    "web_board": ("商机看板", "Pipeline board"),
    "web_board_empty": ("还没有进行中的商机。", "No open deals yet."),
    "web_column_count": ("{count} 个", "{count} deals"),
    "web_column_count_one": ("{count} 个", "{count} deal"),
    "web_column_more": ("还有 {more} 个未显示", "{more} more not shown"),
    "web_signed_in_as": ("已登录：{name}", "Signed in as {name}"),
    "web_sign_out": ("退出登录", "Sign out"),
    "web_sign_in": ("用 Slack 登录", "Sign in with Slack"),
    "web_signed_out": ("你已退出登录。", "You are signed out."),
    "web_back_to_board": ("← 商机看板", "← Pipeline board"),
    "web_stage_history": ("阶段变化", "Stage history"),
    "web_activities": ("跟进记录", "Activities"),
    "web_no_activities": ("还没有跟进记录。", "No activities yet."),
    "web_review": ("复盘", "Review"),
    "web_review_status_asked": ("复盘还没写。", "The review is not written yet."),
    "web_review_status_skipped": ("复盘已跳过。", "The review was skipped."),
    "web_payments": ("回款", "Payments"),
    "web_pay_received": ("已收", "Received"),
    "web_pay_outstanding": ("待收", "To come"),
    "web_pay_overdue": ("逾期", "Overdue"),
    "web_more_history": ("另有 {more} 条更早的记录", "{more} earlier entries not shown"),
    "web_at_risk": ("有风险", "at risk"),
    # refusals: what went wrong and what to do, never a code
    "web_not_found_title": ("找不到这个商机", "Deal not found"),
    "web_not_found": (
        "没有编号为 #{number} 的商机，或者你不能查看它。",
        "There is no deal #{number}, or you can't see it.",
    ),
    "web_bad_number": ("「{value}」不是商机编号：地址应该像 /deals/42。", "“{value}” isn't a deal number: the address should look like /deals/42."),
    "web_no_page_title": ("没有这个页面", "Page not found"),
    "web_no_page": ("没有这个页面。", "There is no such page."),
    "web_not_member_title": ("不能查看", "Not available to you"),
    "web_not_member": (
        "你登录的 Slack 账号不是这个工作区里使用 oppbot 的成员。请先在 Slack 里用一次 /opp，或换一个账号登录。",
        "The Slack account you signed in with is not a member of a workspace that uses oppbot. Use /opp in Slack once first, or sign in with another account.",
    ),
    "web_outsider": (
        "商机页面只对工作区的正式成员开放，访客和其他组织的成员不能查看。",
        "Deal pages are for full members of the workspace: guests and people of other organisations can't see them.",
    ),
    "web_bad_state_title": ("登录没有完成", "Sign-in didn't complete"),
    "web_bad_state": (
        "这次登录的校验不对（链接过期，或者不是从这里发起的）。请重新登录。",
        "This sign-in couldn't be checked (the link expired, or it didn't start here). Please sign in again.",
    ),
    "web_refused_title": ("Slack 没有确认你的身份", "Slack didn't confirm who you are"),
    "web_refused": (
        "Slack 拒绝了这次登录（{error}）。请重新登录；如果一直这样，请联系管理员。",
        "Slack refused this sign-in ({error}). Please sign in again; if it keeps happening, ask your admin.",
    ),
    "web_unavailable_title": ("暂时无法登录", "Sign-in is not available"),
    "web_unavailable": (
        "这个 oppbot 还没有配置用 Slack 登录（需要 SLACK_CLIENT_ID 和 SLACK_CLIENT_SECRET）。请联系管理员。",
        "Sign in with Slack isn't set up on this oppbot (it needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET). Please ask your admin.",
    ),
}
