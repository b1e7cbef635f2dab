"""The Slack app manifest matches the code: the command, the events, the shortcuts, the unfurl
domain and Sign in with Slack are declared and heard; a scope for every Web API method the app
calls, and no scope that nothing uses."""

import json
import re
from pathlib import Path

from bot.blocks.ids import ALERT_SNOOZE_PREFIX, DEAL_PICK, Action, Form, Shortcut

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))

# Web API method -> the bot scopes that allow it (any one of them)
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_replies": {"channels:history", "groups:history", "im:history"},
    "conversations_list": {"channels:read", "groups:read"},
    "files_upload_v2": {"files:write"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_publish": set(),
    "chat_getPermalink": set(),  # needs no scope (Slack's method reference)
    "conversations_create": {"channels:manage"},  # deal rooms are public channels (no groups:write)
    "conversations_invite": {"channels:manage"},
    "conversations_archive": {"channels:manage"},
    "chat_unfurl": {"links:write"},
    "conversations_info": {"channels:read", "groups:read", "im:read", "mpim:read"},
}


def called_methods() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py"))
    # called, or handed to the sender's pacer to call (``pacer.call(…, client.conversations_history, …)``)
    return set(re.findall(r"\.(chat_[A-Za-z]+|files_upload_v2|views_[a-z]+|conversations_[a-z]+|users_[a-z]+)[(,]", source))


def test_every_method_the_app_calls_has_its_scope():
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    methods = called_methods()
    assert methods, "no Web API calls found"
    unknown = methods - set(SCOPES)
    assert not unknown, f"add these methods' scopes to the table: {unknown}"
    for method in methods:
        needed = SCOPES[method]
        assert not needed or needed & granted, f"{method} needs one of {needed}"
        if method == "conversations_history":
            assert needed <= granted  # the sender looks in channels, private channels and DMs


def test_the_command_and_events_are_declared_and_registered(slack):
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == ["/opp"]
    assert MANIFEST["features"]["slash_commands"][0]["should_escape"] is True  # mentions arrive as <@U…>
    assert "app_home_opened" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert "Created #1" in slack.command("alice", "new Manifest check 5万").text


def test_every_action_and_form_the_app_draws_has_a_listener(slack):
    """Each action_id and callback_id in bot.blocks.ids reaches a listener (Bolt answers 404 to a
    request nobody listens to), and the ids in the code are the ones blocks use."""
    for action in Action:
        answer = slack.click("alice", action.value, "1")
        assert answer.status != 404, f"nobody listens to the {action.value} button"
    assert slack.click("alice", f"{ALERT_SNOOZE_PREFIX}3", "1:3").status != 404
    assert slack.click("alice", "no_such_button", "1").status == 404  # the check can fail
    for form in Form:
        view = {"type": "modal", "callback_id": form.value, "private_metadata": "{}", "blocks": []}
        assert slack.submit("alice", view, {}).status == 200, form


def test_the_ids_are_the_ones_the_blocks_use():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "blocks").rglob("*.py") if p.name != "ids.py")
    literal = re.findall(r'"action_id": "([a-z_]+)"', source)
    assert not [a for a in literal if a in {x.value for x in Action}], "use bot.blocks.ids, not a string literal"


def test_peoples_emails_are_read_with_their_profiles(slack, rt):
    """An import names owners by email: users.info gives it with users:read.email, and the
    member row keeps it."""
    from sqlalchemy import select

    from store.models import Member

    assert "users:read.email" in MANIFEST["oauth_config"]["scopes"]["bot"]
    slack.command("alice", "list")
    with rt.sessions() as s:
        emails = {m.slack_user_id: m.email for m in s.scalars(select(Member))}
    assert emails["U0ALICE"] == "alice@example.com", emails


def test_every_shortcut_is_declared_and_heard(slack):
    """Each shortcut in the manifest has a listener (Bolt answers 404 to one nobody hears), each one
    the code listens to is declared, with a name Slack takes (24 characters) and a description
    (150); the deal picker's options come to the same address."""
    declared = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "handlers").rglob("*.py"))
    heard = {Shortcut[name].value for name in re.findall(r"app\.shortcut\(Shortcut\.([A-Z_]+)\)", source)}
    assert set(declared) == heard == {s.value for s in Shortcut}
    for callback_id, shortcut in declared.items():
        assert shortcut["type"] in ("message", "global")
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150, shortcut
        user = slack.user("alice")
        if shortcut["type"] == "message":
            message = {"type": "message", "user": "U0BOB", "ts": "1.1", "text": "hi"}
            request = slack.requests.message_action(
                user=user,
                callback_id=callback_id,
                channel={"id": "C0SALES"},
                message=message,
                response_url=slack.fake.response_url("m"),
                trigger_id=f"t.{callback_id}",
            )
        else:
            request = slack.requests.shortcut(user=user, callback_id=callback_id, trigger_id=f"t.{callback_id}")
        assert slack.send(request).status == 200, callback_id
    assert slack.send(slack.requests.shortcut(user=slack.user("alice"), callback_id="no_such_shortcut", trigger_id="t.none")).status == 404
    assert MANIFEST["settings"]["interactivity"]["message_menu_options_url"] == MANIFEST["settings"]["interactivity"]["request_url"]
    suggestion = slack.requests.block_suggestion(user=slack.user("alice"), action_id=DEAL_PICK, block_id="deal", value="1")
    assert slack.send(suggestion).json == {"options": []}


def test_sign_in_with_slack_asks_for_the_user_scopes_declared_and_returns_to_the_declared_url():
    """The web pages' Sign in with Slack (bot.pages.signin) requests exactly the manifest's user
    scopes, and Slack may send people back to the pages' callback under the public URL."""
    from bot.pages.signin import CALLBACK, SCOPES
    from tests.conftest import PUBLIC_URL

    assert set(MANIFEST["oauth_config"]["scopes"]["user"]) == set(SCOPES)
    assert "openid" in SCOPES
    assert MANIFEST["oauth_config"]["redirect_urls"][0] == PUBLIC_URL + CALLBACK  # then the install's (tests/test_install.py)


def test_deal_links_unfurl_on_the_public_urls_host(slack):
    """Links to the deal pages unfold: the host of the public URL is an unfurl domain, link_shared
    is subscribed to (with links:read) and listened to, chat.unfurl may be called."""
    from urllib.parse import urlsplit

    from tests.conftest import PUBLIC_URL

    assert MANIFEST["features"]["unfurl_domains"] == [urlsplit(PUBLIC_URL).hostname]
    assert "link_shared" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
    answer = slack.send(
        slack.requests.event({"type": "link_shared", "user": "U0ALICE", "channel": "C0X", "message_ts": "1.2", "links": []}, event_id="EvM", event_time=1)
    )
    assert answer.status == 200


# Scopes that no Web API method of SCOPES needs, and what in the app needs each
NOT_BY_METHOD = {
    "commands": lambda: bool(MANIFEST["features"]["slash_commands"]),  # /opp
    "links:read": lambda: "link_shared" in MANIFEST["settings"]["event_subscriptions"]["bot_events"],  # the unfurl event
    "users:read.email": lambda: "with users:read.email" in (ROOT / "bot/team/members.py").read_text(encoding="utf-8"),
    # posts to the configured channels (#deal-alerts, #sales-digest…) without being invited first
    "chat:write.public": lambda: "[channels]" in (ROOT / "bot/core/default_config.toml").read_text(encoding="utf-8"),
}


def test_no_scope_is_requested_that_nothing_uses():
    """Each bot scope in the manifest is needed by a method the code calls, or by one of the few
    needs listed in NOT_BY_METHOD (each checked): an unused scope is a permission asked for nothing."""
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    by_methods = set().union(*(SCOPES[m] for m in called_methods()))
    unused = {s for s in granted - by_methods if not (s in NOT_BY_METHOD and NOT_BY_METHOD[s]())}
    assert not unused, f"requested but used by nothing: {unused}"


def test_every_event_subscribed_is_heard_and_every_event_heard_is_subscribed():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "handlers").rglob("*.py"))
    heard = set(re.findall(r"app\.event\(\"([a-z_]+)\"", source))
    assert heard and set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == heard
