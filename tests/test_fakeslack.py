import json
import threading
import time
import types
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.console.slack_api import Call, FakeSlack
from tests.faultyslack import FaultySlack
from tests.slackcheck import assert_valid_call

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*New opportunity*"}}
BUTTON_ROW = {
    "type": "actions",
    "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Claim"}, "action_id": "claim", "value": "42"}],
}


@pytest.fixture
def fake():
    """The stand-in with failures on demand; the plain FakeSlack never fails on its own."""
    with FaultySlack() as server:
        yield server
        for call in server.calls():
            assert_valid_call(call)


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5)


def test_api_url_and_lifecycle():
    server = FakeSlack()
    with pytest.raises(RuntimeError):
        _ = server.api_url
    server.start()
    try:
        assert server.api_url.startswith("http://127.0.0.1:")
        assert server.api_url.endswith("/api/")
        assert server.response_url("abc") == server.api_url.replace("/api/", "/response/abc")
    finally:
        server.close()
    server.close()  # idempotent


def test_auth_test(fake, client):
    data = client.auth_test().data
    assert data["ok"] is True
    assert (data["team_id"], data["user_id"], data["bot_id"]) == ("T0001", "UBOT", "B0001")
    assert data["url"].startswith("https://")
    call = fake.last("auth.test")
    assert call.token == "xoxb-test"
    assert call.failed is False


def test_users_info(fake, client):
    fake.add_user("U123", name="alice", real_name="Alice Zhang", is_admin=True)
    user = client.users_info(user="U123", include_locale=True)["user"]
    assert user["id"] == "U123"
    assert user["name"] == "alice"
    assert user["real_name"] == "Alice Zhang"
    assert user["tz"] == "Asia/Shanghai"
    assert user["tz_offset"] == 8 * 3600
    assert user["locale"] == "zh-CN"
    assert user["is_admin"] is True
    assert user["profile"] == {
        "display_name": "alice",
        "real_name": "Alice Zhang",
        "display_name_normalized": "alice",
        "real_name_normalized": "Alice Zhang",
        "email": "alice@example.com",  # as Slack gives it with users:read.email
        "team": "T0001",
    }
    # Like Slack, the locale is only there when asked for.
    assert "locale" not in client.users_info(user="U123")["user"]

    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="UNOBODY")
    assert excinfo.value.response["error"] == "user_not_found"
    assert fake.last("users.info").failed is True


def test_add_user_defaults(fake, client):
    fake.add_user("U9", name="bob", tz="Europe/London", locale="en-GB")
    user = client.users_info(user="U9", include_locale=True)["user"]
    assert user["real_name"] == "bob"
    assert user["locale"] == "en-GB"
    assert user["is_admin"] is False
    assert isinstance(user["tz_offset"], int)


def test_post_message_records_decoded_blocks(fake, client):
    first = client.chat_postMessage(channel="C1", text="New opportunity", blocks=[SECTION, BUTTON_ROW])
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["ok"] and first["channel"] == "C1"
    assert first["message"]["text"] == "New opportunity"
    assert first["message"]["blocks"] == [SECTION, BUTTON_ROW]
    assert float(second["ts"]) > float(first["ts"])
    assert first["ts"].count(".") == 1 and len(first["ts"].split(".")[1]) == 6

    calls = fake.calls("chat.postMessage")
    assert len(calls) == 2
    assert calls[0].args["blocks"] == [SECTION, BUTTON_ROW]  # decoded, not a JSON string
    assert calls[0].args["channel"] == "C1"
    assert calls[1].args["thread_ts"] == first["ts"]
    assert calls[0].response["ts"] == first["ts"]
    assert isinstance(calls[0], Call) and calls[0].at <= time.time()


def test_post_message_to_user_opens_dm(client):
    assert client.chat_postMessage(channel="U123", text="hi")["channel"] == "DU123"
    assert client.conversations_open(users="U123")["channel"]["id"] == "DU123"


def test_other_chat_methods(fake, client):
    posted = client.chat_postMessage(channel="C1", text="v1")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="v2", blocks=[SECTION])
    assert (updated["channel"], updated["ts"]) == ("C1", posted["ts"])
    assert fake.last("chat.update").args["blocks"] == [SECTION]
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert eph["message_ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C1/p" + posted["ts"].replace(".", ""))
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"]
    assert client.reactions_add(channel="C1", timestamp=posted["ts"], name="eyes")["ok"]  # any method: ok
    assert [c.method for c in fake.calls()] == [
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "chat.getPermalink",
        "chat.delete",
        "reactions.add",
    ]


def test_json_body_and_get_query(fake, client):
    client.api_call("chat.postMessage", json={"channel": "C2", "text": "json body", "blocks": [SECTION]})
    assert fake.last("chat.postMessage").args == {"channel": "C2", "text": "json body", "blocks": [SECTION]}

    fake.add_user("U1", name="alice")
    request = urllib.request.Request(fake.api_url + "users.info?user=U1", headers={"Authorization": "Bearer xoxb-test"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["user"]["name"] == "alice"
    assert fake.last("users.info").args == {"user": "U1"}


def test_missing_token_is_not_authed(fake):
    no_token = WebClient(base_url=fake.api_url, timeout=5)
    with pytest.raises(SlackApiError) as excinfo:
        no_token.chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response["error"] == "not_authed"


def test_response_url(fake):
    webhook = WebhookClient(fake.response_url("cmd-1"), timeout=5)
    response = webhook.send(text="Done", response_type="ephemeral", replace_original=True)
    assert response.status_code == 200
    call = fake.last("response_url")
    assert call.args == {"text": "Done", "response_type": "ephemeral", "replace_original": True, "_key": "cmd-1"}
    assert fake.calls("response_url")[0].args["_key"] == "cmd-1"


def test_views_open_update_publish(fake, client):
    view = {
        "type": "modal",
        "callback_id": "new_opp",
        "title": {"type": "plain_text", "text": "New opportunity"},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": "C1",
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    opened = client.views_open(trigger_id="123.456", view=view)["view"]
    assert opened["id"].startswith("V")
    assert opened["hash"]
    assert opened["callback_id"] == "new_opp"
    assert opened["title"] == view["title"]
    assert opened["blocks"] == view["blocks"]
    assert opened["private_metadata"] == "C1"
    assert opened["state"] == {"values": {}}
    assert fake.last("views.open").args == {"trigger_id": "123.456", "view": view}

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)["view"]
    assert updated["id"] == opened["id"]
    pushed = client.views_push(trigger_id="789", view=view)["view"]
    assert pushed["id"] != opened["id"]

    home = {"type": "home", "blocks": [SECTION]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["type"] == "home" and first["id"] == again["id"]
    assert fake.last("views.publish").args["view"] == home


def test_files_upload_v2(fake, client):
    result = client.files_upload_v2(
        channel="C1",
        content=b"id,name\n1,ACME\n",
        filename="opps.csv",
        title="Opportunities",
        initial_comment="Export",
    )
    assert result["ok"]
    assert result["file"]["title"] == "Opportunities"
    assert result["file"]["name"] == "opps.csv"

    upload_url = fake.last("files.getUploadURLExternal")
    assert upload_url.args["filename"] == "opps.csv"
    assert upload_url.args["length"] == str(len(b"id,name\n1,ACME\n"))
    uploaded = fake.last("file_upload")
    assert uploaded.args["_content"] == b"id,name\n1,ACME\n"
    assert uploaded.args["_file_id"] == upload_url.response["file_id"] == result["file"]["id"]
    complete = fake.last("files.completeUploadExternal")
    assert complete.args["files"] == [{"id": result["file"]["id"], "title": "Opportunities"}]
    assert complete.args["channel_id"] == "C1"
    assert [c.method for c in fake.calls()] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


def test_rate_limit_retry(fake, client, monkeypatch):
    slept = []
    # The handler sleeps Retry-After + jitter seconds; record the duration instead of waiting.
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake.fail("chat.postMessage", status=429, retry_after=1)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    first, second = fake.calls("chat.postMessage")
    assert (first.failed, first.error) == (True, "ratelimited")
    assert second.failed is False
    assert len(slept) == 1 and 1 <= slept[0] < 2  # the Retry-After header was seen


def test_rate_limit_without_retry_handler(fake, client):
    fake.fail("chat.postMessage", status=429, retry_after=30)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "30"


def test_server_error_is_recorded_as_failed(fake, client):
    fake.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]  # only the next call failed
    failed, ok = fake.calls("chat.postMessage")
    assert (failed.failed, failed.error) == (True, "http_500")
    assert failed.args["text"] == "hi"
    assert ok.failed is False


def test_error_answer(fake, client):
    fake.fail("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="CGONE", text="hi")
        assert excinfo.value.response.status_code == 200
        assert excinfo.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.failed for c in fake.calls("chat.postMessage")] == [True, True, False]


def test_fail_any_method_and_other_methods_unaffected(fake, client):
    fake.fail("views.open", status=500)
    assert client.auth_test()["ok"]  # not views.open
    fake.fail(None, status=502)
    with pytest.raises(SlackApiError):
        client.auth_test()
    assert client.auth_test()["ok"]


def test_outage_and_recover(fake, client):
    fake.outage()
    for call in (lambda: client.auth_test(), lambda: client.chat_postMessage(channel="C1", text="hi")):
        with pytest.raises(SlackApiError) as excinfo:
            call()
        assert excinfo.value.response.status_code == 503
    webhook = WebhookClient(fake.response_url(), timeout=5)
    assert webhook.send(text="x").status_code == 503
    fake.recover()
    assert client.auth_test()["ok"]
    assert webhook.send(text="x").status_code == 200
    assert [c.failed for c in fake.calls()] == [True, True, True, False, False]


def test_listener_sees_every_call():
    seen = []
    with FakeSlack(listener=seen.append) as server:
        client = WebClient(token="xoxb-test", base_url=server.api_url, timeout=5)
        client.chat_postMessage(channel="C1", text="hi")
        server.listener = lambda call: seen.append(("replaced", call.method))
        client.auth_test()
    assert [c.method for c in seen[:1]] == ["chat.postMessage"]
    assert seen[1] == ("replaced", "auth.test")


def test_listener_errors_do_not_break_the_api(fake, client, capsys):
    def broken(call):
        raise RuntimeError("listener bug")

    fake.listener = broken
    assert client.auth_test()["ok"]
    assert "listener bug" in capsys.readouterr().err


def test_last_calls_clear(fake, client):
    client.auth_test()
    with pytest.raises(AssertionError, match=r"no 'chat.postMessage' call recorded; calls seen: \['auth.test'\]"):
        fake.last("chat.postMessage")
    assert fake.last().method == "auth.test"
    fake.clear()
    assert fake.calls() == []
    with pytest.raises(AssertionError, match="calls seen: none"):
        fake.last("auth.test")


def test_wait_for_call_from_another_thread(fake, client):
    thread = threading.Thread(target=lambda: client.chat_postMessage(channel="C1", text="later"))
    thread.start()
    (call,) = fake.wait_for("chat.postMessage", timeout=2)
    thread.join()
    assert call.args["text"] == "later"
    with pytest.raises(AssertionError, match="timed out"):
        fake.wait_for("views.open", timeout=0.05)


def test_history_pages_newest_first_after_oldest(fake, client):
    """conversations.history: newest first, only after ``oldest`` (exclusive), ``limit`` a page,
    ``has_more`` and ``next_cursor`` while older messages remain."""
    ts = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(6)]
    pages, cursor = [], None
    while True:
        page = client.conversations_history(channel="C1", oldest=ts[0], limit=2, cursor=cursor)
        pages.append(([m["text"] for m in page["messages"]], page["has_more"]))
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == [(["m5", "m4"], True), (["m3", "m2"], True), (["m1"], False)]
    assert [m["text"] for m in client.conversations_history(channel="C1", latest=ts[2])["messages"]] == ["m1", "m0"]
    assert [m["text"] for m in client.conversations_history(channel="C1", latest=ts[2], inclusive=True)["messages"]] == ["m2", "m1", "m0"]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_history(channel="C1", cursor="not a cursor")
    assert excinfo.value.response["error"] == "invalid_cursor"


def test_history_default_page_is_100_and_metadata_only_when_asked(client):
    """Without ``limit`` a page holds 100 messages; metadata comes only with ``include_all_metadata``."""
    metadata = {"event_type": "t", "event_payload": {"key": "k"}}
    for i in range(101):
        client.chat_postMessage(channel="C1", text=f"m{i}", metadata=metadata)
    page = client.conversations_history(channel="C1")
    assert (len(page["messages"]), page["has_more"], "metadata" in page["messages"][0]) == (100, True, False)
    assert client.conversations_history(channel="C1", limit=1, include_all_metadata=True)["messages"][0]["metadata"] == metadata


def test_history_ts_follow_a_clock_when_one_is_set(fake, client):
    """With a clock, new messages are stamped with its time, and never before the previous one."""
    now = [1_800_000_000.5]
    fake.use_clock(lambda: now[0])
    first = client.chat_postMessage(channel="C1", text="a")["ts"]
    now[0] -= 60
    second = client.chat_postMessage(channel="C1", text="b")["ts"]
    assert (first, second) == ("1800000000.500000", "1800000000.500100")


def test_conversations_list_pages_types_and_archived(fake, client):
    """conversations.list: public channels unless ``types`` says otherwise, archived ones unless
    ``exclude_archived``, ``limit`` a page with ``next_cursor``; unknown types are refused."""
    old = fake.add_channel("sales", archived=True)
    live = fake.add_channel("sales")
    secret = fake.add_channel("board", private=True)
    assert client.chat_postMessage(channel="#sales", text="hi")["channel"] == live
    assert client.chat_postMessage(channel="#new", text="hi")["channel"] not in (old, live, secret)

    def names(**args):
        found, cursor = [], None
        while True:
            page = client.conversations_list(limit=2, cursor=cursor, **args)
            found.append([(c["name"], c["is_archived"]) for c in page["channels"]])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                return found

    assert names() == [[("sales", True), ("sales", False)], [("new", False)]]
    assert names(exclude_archived=True) == [[("sales", False), ("new", False)]]
    assert names(types="private_channel") == [[("board", False)]]
    assert names(types="public_channel,private_channel", exclude_archived=True) == [[("sales", False), ("board", False)], [("new", False)]]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_list(types="PUBLIC_CHANNEL")
    assert excinfo.value.response["error"] == "invalid_types"


def test_conversations_list_default_page_is_100_and_largest_1000(fake, client):
    """Without ``limit`` a page holds 100 channels; no page holds more than 1000."""
    for i in range(1001):
        fake.add_channel(f"c{i}")
    assert len(client.conversations_list()["channels"]) == 100
    page = client.conversations_list(limit=5000)
    assert len(page["channels"]) == 1000 and page["response_metadata"]["next_cursor"]


def test_channels_the_app_makes_invites_to_and_archives(fake, client):
    fake.add_user("U1", name="li")
    made = client.conversations_create(name="deal-42-acme")["channel"]
    assert (made["name"], made["is_private"], made["is_archived"]) == ("deal-42-acme", False, False)
    for name, error in (
        ("deal-42-acme", "name_taken"),
        ("Deal 42", "invalid_name_specials"),
        ("d" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_create(name=name)
        assert refused.value.response["error"] == error
    assert client.conversations_invite(channel=made["id"], users="U1")["ok"]
    assert fake.workspace.members_of(made["id"]) == ["UBOT", "U1"]
    for users, error in (("U1", "already_in_channel"), ("U404", "user_not_found"), ("", "no_user")):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_invite(channel=made["id"], users=users)
        assert refused.value.response["error"] == error
    assert client.chat_postMessage(channel=made["id"], text="hi")["ok"]
    assert client.conversations_archive(channel=made["id"])["ok"]
    for call, error in (
        (lambda: client.conversations_archive(channel=made["id"]), "already_archived"),
        (lambda: client.conversations_invite(channel=made["id"], users="U1"), "is_archived"),
        (lambda: client.chat_postMessage(channel=made["id"], text="late"), "is_archived"),
        (lambda: client.conversations_archive(channel="C404"), "channel_not_found"),
    ):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:  # an archived channel keeps its name
        client.conversations_create(name="deal-42-acme")
    assert refused.value.response["error"] == "name_taken"


def test_conversations_info_says_whether_a_channel_is_shared_and_chat_unfurl_wants_a_target(fake, client):
    ours, partners = fake.add_channel("sales"), fake.add_channel("partners", ext_shared=True)
    assert client.conversations_info(channel=ours)["channel"]["is_ext_shared"] is False
    assert client.conversations_info(channel=partners)["channel"]["is_ext_shared"] is True
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_info(channel="C0NOWHERE")
    preview = {"https://oppbot.example.com/deals/1": {"blocks": [SECTION]}}
    assert client.chat_unfurl(channel=ours, ts="1.2", unfurls=preview)["ok"]
    assert client.chat_unfurl(unfurl_id="Uf1", source="composer", unfurls=preview)["ok"]
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.chat_unfurl(channel=ours, unfurls=preview)
    assert fake.last("chat.unfurl").args["unfurls"] == preview
    with pytest.raises(AssertionError, match="give channel and ts"):
        assert_valid_call(fake.last("chat.unfurl"))  # the teardown's check refuses it too
    fake.clear()
