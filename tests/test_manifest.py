"""The Slack app manifest matches the code: the command, the event, and a scope for every Web API
method the app calls."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))

# Web API method -> the bot scopes that allow it (any one of them)
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_list": {"channels:read", "groups:read"},
    "files_upload_v2": {"files:write"},
    "users_info": {"users:read"},
    "views_open": set(),
    "views_publish": set(),
}


def called_methods() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for d in ("bot", "handlers") for p in (ROOT / d).glob("*.py"))
    return set(re.findall(r"\.(chat_[A-Za-z]+|files_upload_v2|views_[a-z]+|conversations_[a-z]+|users_[a-z]+)\(", source))


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
