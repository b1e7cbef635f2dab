"""One thread per deal per channel, and deal rooms, as Slack sees them: `/opp room 42` (`/opp 群 42`)
makes a channel named after the deal, invites its people and posts its card there; the card is the
parent of everything said about the deal in that channel and is edited when the deal changes; the
deal's alerts and changes reach its room; a closed deal's room is archived. Signed commands, the
worker's sender; the clock is fixed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from bot.blocks.kit import Reply
from bot.console.slack_api import TEAM_ID
from bot.deals import threads
from bot.delivery import outbox
from bot.worker.jobs import scan_all, send_outbox
from bot.worker.sender import sender_client
from store.models import DealThread, Event, Member, OutboxMessage
from tests.conftest import USERS, payload_text
from tests.test_alerts import CHANNEL, CHANNEL_ID, edit, is_card
from tests.test_permissions import set_role

ALICE, BOB, LI, BOSS = (USERS[n]["user_id"] for n in ("alice", "bob", "li", "boss"))


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


@pytest.fixture
def send(rt, client):
    return lambda: send_outbox(rt, client, rt.clock.now())


@pytest.fixture
def deal(slack):
    """Alice's deal #1 for Acme Corp, in Needs analysis (which consults the BDRs)."""
    assert "Created #1" in slack.command("alice", "new Acme ERP 50万 account Acme Corp. (Suzhou) stage needs").text
    return 1


def made(fake) -> list:
    return [c for c in fake.calls("conversations.create")]


def posts_in(fake, channel: str) -> list:
    return [c for c in fake.calls("chat.postMessage") if not c.failed and c.response["channel"] == channel]


def card_edits(fake, ts: str) -> list:
    return [c for c in fake.calls("chat.update") if not c.failed and c.args["ts"] == ts]


def outbox_rows(rt) -> int:
    with rt.sessions() as s:
        return len(s.scalars(select(OutboxMessage.id)).all())


def test_a_room_is_made_for_the_deal_with_its_people_and_its_card_and_a_second_ask_links_to_it(slack, rt, db, fake, deal, send):
    slack.command("bob", "help")
    set_role(rt, BOB, "bdr")  # consulted in Needs analysis
    answer = slack.command("alice", "room 1")
    [create] = made(fake)
    room = create.response["channel"]["id"]
    assert create.args["name"] == "deal-1-acme-corp-suzhou" and create.response["channel"]["is_private"] is False
    [invite] = fake.calls("conversations.invite")
    assert (invite.args["channel"], invite.args["users"].split(",")) == (room, [ALICE, BOB])
    assert fake.workspace.members_of(room) == ["UBOT", ALICE, BOB]
    assert f"Made <#{room}> for #1" in answer.text and "<@U0BOB>" in answer.text
    assert db.deal(1).room_channel == room
    assert [(e.kind, e.new) for e in db.events(1) if e.kind == "room"] == [("room", room)]
    assert "made the deal's room" in slack.command("alice", "history 1").text
    send()
    [card] = posts_in(fake, room)
    assert is_card(card) and "thread_ts" not in card.args and "Acme ERP" in payload_text(card.args)
    again = slack.command("alice", "room 1")
    assert f"#1 already has a room: <#{room}>" in again.text
    assert len(made(fake)) == 1 and len(fake.calls("conversations.invite")) == 1


def test_a_room_in_chinese_for_a_chinese_account_is_called_by_the_deals_number(slack, rt, db, fake, send):
    slack.command("li", "新建 恒通 WMS 项目 五十万 客户 苏州恒通")
    answer = slack.command("li", "群 1")
    [create] = made(fake)
    assert create.args["name"] == "deal-1"
    assert f"已为 #1 建群 <#{create.response['channel']['id']}>" in answer.text
    assert "已经有群了" in slack.command("li", "群 1").text


def test_a_taken_name_gets_a_suffix(slack, db, fake, deal):
    fake.add_channel("deal-1-acme-corp-suzhou")
    slack.command("alice", "room 1")
    assert [(c.args["name"], c.error) for c in made(fake)] == [("deal-1-acme-corp-suzhou", "name_taken"), ("deal-1-acme-corp-suzhou-2", None)]
    assert db.deal(1).room_channel == made(fake)[-1].response["channel"]["id"]


def test_someone_who_may_not_change_the_deal_cannot_make_its_room(slack, rt, db, fake, deal):
    answer = slack.command("bob", "room 1")
    assert "Only someone who may change #1 (its owner, their manager or an admin) can make a room for it." in answer.text
    assert made(fake) == [] and db.deal(1).room_channel is None
    assert "#1" in slack.command("boss", "room 1").text and db.deal(1).room_channel is not None  # an admin may


@pytest.mark.parametrize(
    "error,who,expected",
    [
        ("restricted_action", "alice", "Slack did not let oppbot make the room (restricted_action): this workspace lets only some people make channels"),
        ("missing_scope", "li", "Slack 没有让 oppbot 建群（missing_scope）：oppbot 缺少 channels:manage 权限"),
    ],
)
def test_slack_refusing_the_channel_is_said_plainly_and_nothing_is_recorded(slack, rt, db, fake, deal, error, who, expected):
    if who == "li":
        slack.command("boss", "reassign 1 <@U0LI>")
    fake.fail("conversations.create", error=error)
    before = outbox_rows(rt)
    answer = slack.command(who, "room 1" if who == "alice" else "群 1")
    assert expected in answer.text and ("Nothing was changed" in answer.text or "什么都没有改动" in answer.text)
    assert db.deal(1).room_channel is None and outbox_rows(rt) == before
    assert fake.calls("conversations.invite") == []


def test_a_rate_limited_room_is_not_waited_for_and_the_person_hears_when_to_retry(slack, rt, db, fake, deal, monkeypatch):
    """conversations.create answered 429 with Retry-After 20: not waited out before the answer
    (Slack gives it 3 s); the person reads when to try again, and nothing is recorded."""
    import types

    from slack_sdk.http_retry import builtin_handlers

    slept = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    fake.fail("conversations.create", status=429, retry_after=20)
    answer = slack.command("alice", "room 1")
    assert "Slack is limiting oppbot's requests right now, so this step didn't reach Slack. Please try again in 20 s." in answer.text, answer.text
    assert "ratelimited" not in answer.text
    assert slept == [] and len(made(fake)) == 1 and db.deal(1).room_channel is None


def test_a_refused_invitation_archives_the_channel_made_and_records_nothing(slack, rt, db, fake, deal):
    fake.fail("conversations.invite", error="restricted_action")
    answer = slack.command("alice", "room 1")
    assert "restricted_action" in answer.text
    room = made(fake)[0].response["channel"]["id"]
    assert fake.workspace.is_archived(room) and db.deal(1).room_channel is None
    with rt.sessions() as s:
        assert s.scalars(select(DealThread)).all() == []


def test_a_stage_change_is_told_in_the_rooms_thread_and_its_card_is_edited_once(slack, rt, db, fake, deal, send):
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    send()
    [card] = posts_in(fake, room)
    slack.command("alice", "move 1 proposal")
    fake.outage()  # Slack is down when the worker first tries
    send()
    fake.recover()
    clock_forward(rt)
    send()
    clock_forward(rt)
    send()  # nothing left: the note and the edit went out once
    [note] = [p for p in posts_in(fake, room) if p is not card]
    assert (note.args["thread_ts"], note.args["reply_broadcast"]) == (card.response["ts"], False)  # in the thread only
    assert "<@U0ALICE> 把 #1 从「需求确认」推进到「方案提交」" in payload_text(note.args)  # the team's language (config.toml: zh)
    [edited] = card_edits(fake, card.response["ts"])
    assert edited.args["channel"] == room and "方案提交 (在此阶段" in payload_text(edited.args)
    assert "需求确认 (在此阶段" in payload_text(card.args)


def test_the_deals_alerts_go_to_its_room_under_its_card(slack, rt, db, fake, deal, client, send, clock):
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    send()
    [card] = posts_in(fake, room)
    edit(rt, 1, amount=50_000, expected_close=date(2026, 11, 20))  # a small deal: its alert is no business of the alerts channel
    scan_all(rt, client, clock.now())
    send()
    [alert] = [p for p in posts_in(fake, room) if p is not card]
    assert alert.args["thread_ts"] == card.response["ts"] and "#1 Acme ERP" in alert.args["text"]
    assert [p for p in fake.calls("chat.postMessage") if p.args["channel"] == CHANNEL] == []


def test_every_later_post_in_the_alerts_channel_replies_under_the_card_which_follows_the_deal(slack, rt, db, fake, deal, client, send, clock):
    """A big deal's alert starts its thread in the alerts channel under its card; moving the deal
    edits that card and says so in the thread; winning it says so too and archives no team channel."""
    edit(rt, 1, amount=900_000, expected_close=date(2026, 11, 20))
    scan_all(rt, client, clock.now())
    send()
    [card] = [p for p in fake.calls("chat.postMessage") if p.args["channel"] == CHANNEL]
    channel = card.response["channel"]
    slack.command("alice", "move 1 proposal")
    slack.command("alice", "won 1")
    send()
    later = [p for p in posts_in(fake, channel) if p is not card]
    assert [p.args["thread_ts"] for p in later] == [card.response["ts"]] * len(later) and len(later) == 2  # the alert, one note
    assert "从「需求确认」推进到「方案提交」" in later[-1].args["text"] and "标为赢单" in later[-1].args["text"]
    [edited] = card_edits(fake, card.response["ts"])  # one edit for both changes, as the deal reads now
    assert edited.args["channel"] == channel and edited.args["blocks"] != card.args["blocks"]
    assert fake.calls("conversations.archive") == []


def test_a_room_is_archived_after_its_last_word_when_the_deal_closes(slack, rt, db, fake, deal, send):
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    slack.command("alice", "lost 1 price they went with a rival")
    fake.fail("chat.postMessage", error="ratelimited", status=429, retry_after=0)  # the note waits: the archive waits for it
    send()
    assert not fake.workspace.is_archived(room)
    send_later = [c for c in fake.calls("conversations.archive")]
    assert send_later == []
    clock_forward(rt)
    send()
    note = posts_in(fake, room)[-1]
    assert "<@U0ALICE> 把 #1 标为输单" in note.args["text"] and "这个频道将被归档" in payload_text(note.args)
    [archive] = fake.calls("conversations.archive")
    assert archive.args["channel"] == room and fake.workspace.is_archived(room)
    assert db.deal(1).room_archived_at is not None
    edits = len(room_edits := [c for c in fake.calls("chat.update") if c.args["channel"] == room])
    slack.command("alice", "review 1 skip")  # the deal's history goes on; its archived room hears no more
    clock_forward(rt)
    send()
    assert len(fake.calls("conversations.archive")) == 1 and posts_in(fake, room)[-1] is note
    assert (
        len([c for c in fake.calls("chat.update") if c.args["channel"] == room]) == edits == len(room_edits)
    )  # the alerts channel's card of this big deal may follow it
    with rt.sessions() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all() == []


def test_a_room_stays_open_when_config_says_so(slack, rt, db, fake, deal, client):
    rt.config = replace(rt.config, rooms=replace(rt.config.rooms, archive_on_close=False))
    slack.command("alice", "room 1")
    slack.command("alice", "lost 1 price")
    send_outbox(rt, client, rt.clock.now())
    assert fake.calls("conversations.archive") == [] and db.deal(1).room_archived_at is None
    note = posts_in(fake, db.deal(1).room_channel)[-1]
    assert "标为输单" in note.args["text"] and "归档" not in payload_text(note.args)
    assert "#1 already has a room" in slack.command("alice", "room 1").text


def clock_forward(rt):
    rt.clock.advance(minutes=5)


def test_the_room_event_is_the_rooms_own(rt, db, slack, deal):
    slack.command("alice", "room 1")
    with rt.sessions() as s:
        [thread] = s.scalars(select(DealThread)).all()
        last = max(s.scalars(select(Event.id)).all())
    assert thread.channel == db.deal(1).room_channel and thread.event_seen == last  # its making is not news to it


def test_a_handover_goes_in_the_deals_thread_in_the_delivery_channel(slack, fake, send):
    slack.command("li", "help")
    slack.command("boss", f"team set <@{LI}> role:delivery")
    slack.command("alice", "new Acme ERP 5万 stage negotiation")
    slack.command("alice", "won 1")
    slack.submit("alice", slack.opened_view(), {"delivery_owner": LI, "scope": "MES"})
    send()
    [card] = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "#delivery"]
    assert is_card(card) and "#1 Acme ERP" in card.args["text"]
    [handover] = [c for c in posts_in(fake, card.response["channel"]) if c is not card]
    assert handover.args["thread_ts"] == card.response["ts"]
    assert handover.args["metadata"]["event_payload"]["key"] == "handover:1:post"


def test_with_every_name_taken_or_a_closed_deal_no_room_is_made(slack, db, fake, deal):
    for name in ["deal-1-acme-corp-suzhou"] + [f"deal-1-acme-corp-suzhou-{n}" for n in range(2, 10)]:
        fake.add_channel(name)
    answer = slack.command("alice", "room 1")
    assert "The channel name deal-1-acme-corp-suzhou and its suffixes are all taken" in answer.text
    assert len(made(fake)) == 9 and db.deal(1).room_channel is None
    slack.command("alice", "lost 1 price")
    assert "#1 is closed; rooms are for open deals." in slack.command("alice", "room 1").text
    assert len(made(fake)) == 9


@pytest.mark.parametrize(
    "account,name",
    [
        ("Ünïcode GmbH & Co. KG", "deal-1-unicode-gmbh-co-kg"),
        ("苏州恒通 Hengtong", "deal-1-hengtong"),
        ("x" * 200, "deal-1-" + "x" * 73),
    ],
)
def test_a_rooms_name_keeps_what_slack_allows(slack, fake, account, name):
    slack.command("alice", f"new Rollout 5万 account {account}")
    slack.command("alice", "room 1")
    assert made(fake)[0].args["name"] == name and len(name) <= 80


def test_a_new_owner_is_told_in_the_room_and_on_its_card(slack, rt, db, fake, deal, send):
    slack.command("li", "help")
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    send()
    [card] = posts_in(fake, room)
    slack.command("boss", "reassign 1 <@U0LI>")
    send()
    [note] = [p for p in posts_in(fake, room) if p is not card]
    assert "#1 改由 <@U0LI> 负责（原为 <@U0ALICE>）" in note.args["text"] and note.args["thread_ts"] == card.response["ts"]
    [edited] = card_edits(fake, card.response["ts"])
    assert "<@U0LI>" in payload_text(edited.args)


def test_a_big_deals_moves_are_told_in_its_thread_in_the_deals_channel_and_a_small_ones_are_not(slack, rt, db, fake, send, clock):
    """A deal at or above [rooms] big_deal that moves a stage starts its thread in the alerts channel
    (no channels.deals here): its card, the move under it; its next move and its win are told there
    too, the card following the deal. A small deal's moves, and a big deal that did not move, say nothing."""
    slack.command("alice", "new Big ERP 80万 account Acme")
    slack.command("alice", "new Small CRM 5万")
    slack.command("alice", "new Quiet MES 90万")
    send()
    assert posts_in(fake, CHANNEL_ID) == []  # created, not moved: nothing yet
    slack.command("alice", "move 1 proposal")
    slack.command("alice", "move 2 proposal")
    send()
    card, note = posts_in(fake, CHANNEL_ID)
    assert is_card(card) and "Big ERP" in payload_text(card.args) and "thread_ts" not in card.args
    assert note.args["thread_ts"] == card.response["ts"] and "把 #1 从「线索」推进到「方案提交」" in payload_text(note.args)
    clock.advance(minutes=5)
    slack.command("alice", "won 1")
    send()
    send()
    later = posts_in(fake, CHANNEL_ID)[2:]
    assert [p.args["thread_ts"] for p in later] == [card.response["ts"]] and "标为赢单" in payload_text(later[0].args)
    assert card_edits(fake, card.response["ts"])  # the card reads as the deal does now
    assert all("Small CRM" not in payload_text(p.args) and "Quiet MES" not in payload_text(p.args) for p in posts_in(fake, CHANNEL_ID))


def test_a_big_deals_move_long_past_or_with_the_threshold_off_starts_no_thread(slack, rt, db, fake, send, clock):
    slack.command("alice", "new Big ERP 80万")
    slack.command("alice", "move 1 proposal")
    clock.advance(days=2)  # the worker was down for two days: an old move is not dug up
    send()
    assert posts_in(fake, CHANNEL_ID) == []
    rt.config = replace(rt.config, rooms=replace(rt.config.rooms, big_deal=0))
    slack.command("alice", "move 1 negotiation")
    send()
    assert posts_in(fake, CHANNEL_ID) == []


def test_a_thread_that_cannot_be_brought_up_to_date_holds_up_no_other_message(slack, rt, db, fake, deal, send, caplog, monkeypatch):
    """Drawing a threaded deal's card fails (an unforeseen bug, injected here): the worker says so in
    its log, and the messages already queued (here a DM) still go out."""
    slack.command("alice", "room 1")
    send()
    slack.command("alice", "move 1 proposal")  # a change the room's thread is to be told
    with rt.transaction() as session:
        dm = Reply("A DM that must go out", [{"type": "section", "text": {"type": "mrkdwn", "text": "A DM that must go out"}}])
        outbox.enqueue(session, workspace_id=TEAM_ID, key="dm:probe", kind="dm", channel=ALICE, reply=dm, now=rt.clock.now())

    def broken(*_args, **_kwargs):
        raise RuntimeError("card drawing broke")

    monkeypatch.setattr(threads, "card_reply", broken)
    send()
    assert any(c.args.get("text") == "A DM that must go out" for c in fake.calls("chat.postMessage"))
    assert "could not bring the deal threads of workspace" in caplog.text


def test_a_note_stays_in_its_thread_and_one_whose_answer_was_lost_is_found_there_not_posted_again(slack, rt, db, fake, deal, send):
    """A deal's note of a change is a reply in its thread only (not shown in the channel). Slack
    posts it but the answer is lost: the next try looks in the thread (conversations.replies), finds
    it and does not post it twice."""
    rt.config = replace(rt.config, rooms=replace(rt.config.rooms, big_deal=0))  # the room's thread alone
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    send()
    [card] = posts_in(fake, room)
    slack.command("alice", "move 1 proposal")
    fake.drop("chat.postMessage")
    send()
    clock_forward(rt)
    send()
    notes = [p for p in posts_in(fake, room) if p is not card]
    assert len(notes) == 1 and notes[0].args["reply_broadcast"] is False
    [look] = fake.calls("conversations.replies")
    assert (look.args["channel"], look.args["ts"]) == (room, card.response["ts"])
    history = fake.workspace.answer("conversations.history", {"channel": room})  # the channel shows the card alone
    assert [m["ts"] for m in history["messages"]] == [card.response["ts"]]


def test_a_rooms_last_note_that_slack_never_takes_is_given_up_on_and_the_room_is_archived_after_it(slack, rt, db, fake, deal, send):
    rt.config = replace(rt.config, rooms=replace(rt.config.rooms, big_deal=0))  # the room's thread alone
    slack.command("alice", "room 1")
    room = db.deal(1).room_channel
    send()
    slack.command("alice", "lost 1 price they went with a rival")
    fake.fail("chat.postMessage", error="msg_too_long", times=40)  # the last note is refused every time
    for _ in range(32):  # thirty tries, an hour apart at most, then the note is parked
        rt.clock.advance(hours=1)
        send()
    [archive] = fake.calls("conversations.archive")
    assert archive.args["channel"] == room and fake.workspace.is_archived(room)
    with rt.sessions() as s:
        [parked] = s.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
        assert parked.kind == "deal_change" and "parked after 30 attempts" in parked.last_error


def test_a_room_is_made_with_whoever_slack_can_invite_when_one_of_its_people_cannot_be(slack, rt, db, fake, deal):
    slack.command("bob", "help")
    set_role(rt, BOB, "bdr")  # consulted in Needs analysis, as is someone Slack no longer has
    with rt.transaction() as s:
        s.add(Member(workspace_id=TEAM_ID, slack_user_id="U0GONE", display_name="gone", role="bdr", created_at=rt.clock.now()))
    answer = slack.command("alice", "room 1")
    [invite] = fake.calls("conversations.invite")
    assert invite.args["users"].split(",") == [ALICE, BOB, "U0GONE"] and invite.args["force"] in (True, "1", "true")
    room = db.deal(1).room_channel
    assert room and fake.workspace.members_of(room) == ["UBOT", ALICE, BOB]
    assert f"<#{room}>" in answer.text and fake.calls("conversations.archive") == []
