"""Deal links and unfurls: a deal's number links to its web page on a card, a list, an alert and a
digest (plain "#1" without a public URL); a link to a deal's page pasted in Slack (link_shared)
unfolds into a small card in the poster's language, without the amount in a channel shared with
another organisation unless config.toml allows it; other links, unknown and deleted deals are left
alone, and a retry of the event is not unfolded twice."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from bot.deals.unfurls import MAX_LINKS
from bot.reporting import digests as digest
from store.models import OutboxMessage
from tests import test_alerts as alerts
from tests.conftest import NOW, PUBLIC_URL, USERS
from tests.test_alerts import ALICE, dms, edit
from tests.test_home import open_home

client, run, deal = alerts.client, alerts.run, alerts.deal  # the alert tests' fixtures

URL = PUBLIC_URL + "/deals/1"
LINK = f"<{URL}|#1>"


def linked(payload: dict) -> str:
    """Every mrkdwn text of a payload, links kept as they are sent."""
    return json.dumps(payload, ensure_ascii=False)


def no_public_url(rt) -> None:
    rt.config = replace(rt.config, public_url=None)


# --- deal links ---------------------------------------------------------------------------------


def brief_blocks(slack, rt) -> list[dict]:
    """Alice's morning brief, as the worker queues it at 08:30."""
    slack.command("alice", "brief on")
    digest.send_due_digests(rt, NOW.replace(hour=8, minute=30))
    with rt.sessions() as session:
        return session.scalars(select(OutboxMessage.blocks).where(OutboxMessage.kind == "digest_brief", OutboxMessage.channel == "U0ALICE")).one()


def test_a_card_a_list_a_digest_and_the_home_tab_link_the_deal_number_to_its_page(slack, rt):
    slack.command("alice", "new Acme ERP 50万 stage proposal close 2026-11-25")
    slack.command("alice", "log 1 called next send quote by 2026-11-25")  # on the Home tab: due today
    card = slack.command("alice", "show 1").json
    assert f"*{LINK} Acme ERP*" in linked(card)
    listed = slack.command("alice", "list").json
    assert f"*{LINK}* Acme ERP" in linked(listed)
    assert listed["blocks"][1]["accessory"]["text"]["text"] == "#1"  # a button's label stays plain text
    assert f"*{LINK}* Acme ERP" in linked(brief_blocks(slack, rt))
    assert f"*{LINK}* Acme ERP" in linked(open_home(slack, "alice"))


def test_without_a_public_url_the_numbers_stay_plain(slack, rt):
    no_public_url(rt)
    slack.command("alice", "new Acme ERP 50万 stage proposal close 2026-11-25")
    slack.command("alice", "log 1 called next send quote by 2026-11-25")  # on the Home tab: due today
    answers = [slack.command("alice", words).json for words in ("show 1", "list")] + [brief_blocks(slack, rt), open_home(slack, "alice")]
    for answer in answers:
        assert "*#1" in linked(answer) and "/deals/" not in linked(answer), answer


def test_an_alert_links_the_deal_number(rt, deal, run):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = dms(run(), ALICE)
    assert dm.args["text"] == "⚠️ #1 Acme ERP: Close date passed"  # the notification stays plain
    assert dm.args["blocks"][0]["text"]["text"].startswith(f"*⚠️ {LINK} Acme ERP: Close date passed*")


def test_an_alert_without_a_public_url_says_the_plain_number(rt, deal, run):
    no_public_url(rt)
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = dms(run(), ALICE)
    assert dm.args["blocks"][0]["text"]["text"].startswith("*⚠️ #1 Acme ERP: Close date passed*")


# --- unfurls ------------------------------------------------------------------------------------


def shared(slack, who: str, urls: list[str], *, channel: str = "C0SALES", event_id: str = "Ev1", headers=None, **extra):
    return shared_by(slack, USERS[who]["user_id"], urls, channel=channel, event_id=event_id, headers=headers, **extra)


def shared_by(slack, user_id: str, urls: list[str], *, channel: str = "C0SALES", event_id: str = "Ev1", headers=None, **extra):
    event = {
        "type": "link_shared",
        "channel": channel,
        "user": user_id,
        "message_ts": "1764000000.000100",
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
        "source": "conversations_history",
        "is_bot_user_member": True,
        "event_ts": "1764000000.000200",
        **extra,
    }
    answer = slack.send(slack.requests.event(event, event_id=event_id, event_time=1764000000), headers=headers)
    assert answer.status == 200 and not answer.body, answer.body
    return answer


def unfurls(fake) -> list:
    return fake.calls("chat.unfurl")


def preview_text(call, url: str = URL) -> str:
    return json.dumps(call.args["unfurls"][url]["blocks"], ensure_ascii=False)


@pytest.fixture
def acme(slack, fake):
    fake.add_channel("sales")
    slack.command("alice", "new Acme ERP 50万 stage proposal close 2026-12-20 account Acme Corp")
    slack.command("alice", "log 1 called next send the quote by 2026-11-30")
    return fake.workspace._name_id("sales")


def test_a_pasted_deal_link_unfolds_into_a_card_for_the_person_who_posted_it(slack, fake, acme):
    shared(slack, "alice", [URL, "https://example.org/deals/1"], channel=acme)
    [call] = unfurls(fake)
    assert (call.args["channel"], call.args["ts"]) == (acme, "1764000000.000100")
    assert list(call.args["unfurls"]) == [URL]  # the other site's link is left to Slack
    text = preview_text(call)
    assert f"*{LINK} Acme ERP*" in text
    for fact in ("*Stage*\\nProposal", "*Amount*\\n¥500k", "*Owner*\\n<@U0ALICE>", "*Close date*\\nSun 2026-12-20", "*Next step*\\nsend the quote"):
        assert fact in text, (fact, call.args["unfurls"])
    assert "not shown" not in text
    assert [c.args["channel"] for c in fake.calls("conversations.info")] == [acme]


def test_whether_a_channel_is_shared_is_asked_again_after_a_few_minutes(slack, fake, clock, acme):
    shared(slack, "alice", [URL], channel=acme, event_id="Ev1")
    shared(slack, "alice", [URL], channel=acme, event_id="Ev2")
    assert len(fake.calls("conversations.info")) == 1  # kept
    clock.advance(minutes=6)
    shared(slack, "alice", [URL], channel=acme, event_id="Ev3")
    assert len(fake.calls("conversations.info")) == 2
    assert len(unfurls(fake)) == 3


def test_another_reps_deal_unfolds_as_far_as_the_permissions_let_them_see_it(slack, fake, acme):
    """Every member may view every deal (bot.deals.permissions): bob sees alice's deal as she does."""
    shared(slack, "bob", [URL], channel=acme)
    [call] = unfurls(fake)
    assert "*Amount*\\n¥500k" in preview_text(call) and "<@U0ALICE>" in preview_text(call)


def test_a_chinese_speaker_gets_the_card_in_chinese(slack, fake, acme):
    shared(slack, "li", [URL], channel=acme)
    text = preview_text(unfurls(fake)[-1])
    assert "*阶段*" in text and "*金额*" in text and "Stage" not in text, text


def test_no_amount_in_a_channel_shared_with_another_organisation(slack, fake, rt, acme):
    partners = fake.add_channel("partners", ext_shared=True)
    shared(slack, "alice", [URL], channel=partners, event_id="Ev1")
    text = preview_text(unfurls(fake)[-1])
    assert "*Amount*" not in text and "¥500k" not in text
    assert "Amount not shown: this channel is shared with another organisation" in text
    assert "*Stage*\\nProposal" in text

    rt.config = replace(rt.config, unfurls=replace(rt.config.unfurls, amounts_in_shared_channels=True))
    shared(slack, "alice", [URL], channel=partners, event_id="Ev2")
    assert "*Amount*\\n¥500k" in preview_text(unfurls(fake)[-1])


def test_no_amount_in_a_dm_the_app_cannot_ask_about(slack, fake, acme):
    shared(slack, "alice", [URL], channel="D0ALICEBOB")
    assert "¥500k" not in preview_text(unfurls(fake)[-1])
    assert fake.calls("conversations.info") == []


def test_a_link_from_the_composer_is_unfolded_by_its_unfurl_id_without_the_amount(slack, fake, acme):
    shared(slack, "alice", [URL], channel="COMPOSER", message_ts="U0ALICE-2c4e", unfurl_id="Uf123", source="composer")
    [call] = unfurls(fake)
    assert (call.args["unfurl_id"], call.args["source"]) == ("Uf123", "composer") and "channel" not in call.args
    assert "¥500k" not in preview_text(call)  # the conversation is not known yet
    assert fake.calls("conversations.info") == []  # the composer is no channel to ask about


def test_other_sites_unknown_and_deleted_deals_are_left_alone(slack, fake, db, rt, acme):
    slack.command("alice", "new Old deal 1万")
    with rt.transaction() as session:
        db_deal = session.merge(db.deal(2))
        db_deal.status = "deleted"
    links = [
        "https://evil.example.com/deals/1",
        "http://oppbot.example.com/deals/1",
        PUBLIC_URL + "/deals/99",
        PUBLIC_URL + "/deals/2",
        PUBLIC_URL + "/board",
    ]
    shared(slack, "alice", links, channel=acme)
    assert unfurls(fake) == []
    assert fake.calls("chat.postMessage") == [] and fake.calls("chat.postEphemeral") == []


def test_a_retry_of_the_event_is_not_unfolded_twice(slack, fake, acme):
    shared(slack, "alice", [URL], channel=acme, event_id="EvRetry")
    shared(slack, "alice", [URL], channel=acme, event_id="EvRetry", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert len(unfurls(fake)) == 1
    shared(slack, "alice", [URL], channel=acme, event_id="EvAgain")  # the link posted again: a new event
    assert len(unfurls(fake)) == 2


def test_at_most_a_handful_of_deals_are_unfolded_per_message(slack, fake, acme):
    for n in range(2, MAX_LINKS + 3):
        slack.command("alice", f"new Deal {n} 1万")
    urls = [f"{PUBLIC_URL}/deals/{n}" for n in range(1, MAX_LINKS + 3)]
    shared(slack, "alice", urls, channel=acme)
    assert list(unfurls(fake)[0].args["unfurls"]) == urls[:MAX_LINKS]


def test_a_failed_unfurl_is_logged_and_nothing_reaches_anyone(slack, fake, acme, caplog):
    fake.fail("chat.unfurl", error="cannot_unfurl_url")
    with caplog.at_level(logging.WARNING):
        shared(slack, "alice", [URL], channel=acme)
    assert "could not unfurl" in caplog.text
    assert fake.calls("chat.postMessage") == [] and fake.calls("chat.postEphemeral") == []


def test_when_slack_cannot_say_whether_a_channel_is_shared_the_amount_is_left_out(slack, fake, acme):
    shared(slack, "alice", [URL], channel="C0UNKNOWN")
    assert "¥500k" not in preview_text(unfurls(fake)[-1])


@pytest.mark.parametrize("kind", ["guest", "external"])
def test_a_guest_or_someone_of_another_organisation_gets_no_preview(slack, fake, acme, kind):
    """A guest, or a person of another organisation in a Slack Connect channel, pasting deal links
    (one per number, hoping) learns nothing of them: no preview at all."""
    fake.add_user("U0OUT", name="visitor", locale="en-US", kind=kind)
    shared_by(slack, "U0OUT", [URL, URL.replace("/1", "/2")], channel=acme)
    assert unfurls(fake) == []
    assert fake.last("users.info").args["user"] == "U0OUT"
    shared(slack, "alice", [URL], channel=acme, event_id="Ev2")  # a member still gets hers
    assert len(unfurls(fake)) == 1
