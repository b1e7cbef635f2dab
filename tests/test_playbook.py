"""A stage's playbook: the key actions config.toml lists for a stage, shown on the card of an open
deal in it as a checklist with a button per action not yet done; a tick is recorded on the deal
and in its history, `/opp who` lists them with the role responsible, and a refused tick changes
nothing. Every card is checked against Block Kit's rules (tests/slackcheck.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.core.config_model import Step
from store.models import Event, Opportunity
from tests.conftest import USERS, payload_text
from tests.slackcheck import assert_valid_message

ALICE, BOB, LI = (USERS[n]["user_id"] for n in ("alice", "bob", "li"))


@pytest.fixture
def deal(slack):
    """#1 Acme ERP, alice's, in Proposal (key actions: 方案演示 Solution demo, 提交方案书 Proposal sent)."""
    for who in ("bob", "li"):
        slack.command(who, "help")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    return 1


def block(payload: dict, block_id: str) -> dict | None:
    return next((b for b in payload["blocks"] if b.get("block_id") == block_id), None)


def checklist(payload: dict) -> str:
    """The text of the card's key-actions section."""
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b]
    return next(text for text in sections if "Key actions" in text or "关键动作" in text)


def ticks(rt, number=1) -> tuple[dict, list[tuple]]:
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        events = s.scalars(select(Event).where(Event.opportunity_id == opp.id, Event.kind == "playbook").order_by(Event.id)).unique()
        return dict(opp.playbook), [(e.actor.slack_user_id, e.field, e.old, e.new) for e in events]


def state(rt) -> tuple:
    with rt.sessions() as s:
        deals = [(o.number, o.stage, o.status, dict(o.playbook), o.version) for o in s.scalars(select(Opportunity).order_by(Opportunity.number)).unique()]
        return deals, len(s.scalars(select(Event.id)).all())


def test_the_card_shows_the_stages_key_actions_with_a_button_each(slack, deal):
    card = slack.command("alice", "show 1").json
    assert checklist(card) == "*Key actions in Proposal* (0 of 2)\n⬜ Solution demo\n⬜ Proposal sent"
    buttons = [(e["action_id"], e["text"]["text"], e["value"]) for e in block(card, "playbook_1")["elements"]]
    assert buttons == [("playbook_tick_0", "✓ Solution demo", "1:proposal:demo"), ("playbook_tick_1", "✓ Proposal sent", "1:proposal:proposal_sent")]
    ids = [b.get("block_id") for b in card["blocks"]]
    assert ids.index("playbook_1") < ids.index("deal_actions_1")  # the checklist, then the card's own buttons
    chinese = slack.command("li", "查看 1").json
    assert checklist(chinese) == "*方案提交的关键动作*（0/2）\n⬜ 方案演示\n⬜ 提交方案书"


def test_a_stage_without_key_actions_and_a_closed_deal_show_none(slack, deal):
    slack.command("alice", "new Globex CRM 20万")  # Lead: no actions
    lead = slack.command("alice", "show 2").json
    assert block(lead, "playbook_2") is None and "Key actions" not in payload_text(lead)
    slack.command("alice", "lost 1 price")
    lost = slack.command("alice", "show 1").json
    assert block(lost, "playbook_1") is None and "Key actions" not in payload_text(lost)


def test_ticking_records_the_time_and_an_event_and_redraws_the_card(slack, rt, deal):
    rt.clock.advance(hours=2)
    slack.click("alice", "playbook_tick_0", "1:proposal:demo")
    card = slack.responses()[-1]
    assert card["replace_original"] is True
    assert_valid_message(card)
    assert payload_text(card).startswith("Ticked “Solution demo” on #1.")
    assert checklist(card) == "*Key actions in Proposal* (1 of 2)\n✅ Solution demo\n⬜ Proposal sent"
    assert [e["value"] for e in block(card, "playbook_1")["elements"]] == ["1:proposal:proposal_sent"]
    assert ticks(rt) == ({"proposal": {"demo": rt.clock.now().isoformat()}}, [(ALICE, "proposal", None, "demo")])
    slack.click("alice", "playbook_tick_0", "1:proposal:proposal_sent")
    assert block(slack.responses()[-1], "playbook_1") is None  # all done: no buttons left
    history = slack.command("alice", "history 1").text
    assert "<@U0ALICE> ticked the key action “Solution demo” (Proposal)" in history
    assert "完成了关键动作「提交方案书」（方案提交）" in slack.command("li", "历史 1").text


def test_each_stage_keeps_its_own_ticks(slack, rt, deal):
    slack.click("alice", "playbook_tick_0", "1:proposal:demo")
    slack.command("alice", "move 1 negotiation")
    card = slack.command("alice", "show 1").json
    assert checklist(card) == "*Key actions in Negotiation* (0 of 2)\n⬜ Commercial terms\n⬜ Executive visit"
    slack.click("alice", "playbook_tick_1", "1:negotiation:exec_visit")
    slack.command("alice", "move 1 proposal")
    assert checklist(slack.command("alice", "show 1").json) == "*Key actions in Proposal* (1 of 2)\n✅ Solution demo\n⬜ Proposal sent"
    assert set(ticks(rt)[0]) == {"proposal", "negotiation"}


def test_who_shows_the_current_stages_key_actions_and_the_role_responsible(slack, deal):
    slack.click("alice", "playbook_tick_1", "1:proposal:proposal_sent")
    who = slack.command("alice", "who 1").text
    assert "Key actions in Proposal (the account manager's):\n⬜ Solution demo\n✅ Proposal sent" in who
    assert "方案提交的关键动作（由客户经理负责）：\n⬜ 方案演示\n✅ 提交方案书" in slack.command("li", "谁负责 1").text
    slack.command("alice", "new Globex CRM 20万")  # Lead: no key actions
    assert "Key actions" not in slack.command("alice", "who 2").text


def test_a_consulted_role_may_tick_someone_else_may_not(slack, rt, deal):
    slack.command("boss", f"team set <@{BOB}> role:support")  # sales support is consulted in Proposal
    slack.click("bob", "playbook_tick_0", "1:proposal:demo")
    assert ticks(rt)[1] == [(BOB, "proposal", None, "demo")]
    before = state(rt)
    slack.click("li", "playbook_tick_1", "1:proposal:proposal_sent")
    refusal = slack.responses()[-1]
    assert refusal["replace_original"] is False
    assert "你不能修改 #1" in payload_text(refusal)  # in li's language
    assert state(rt) == before


@pytest.mark.parametrize(
    "who, value, said",
    [
        ("alice", "1:proposal:demo", "“Solution demo” on #1 was ticked already; nothing was changed."),
        ("li", "1:proposal:demo", "#1 的「方案演示」已经勾选过了，什么都没有修改。"),
        ("alice", "1:needs:discovery", "#1 is no longer in Needs confirmed; nothing was changed."),
        ("alice", "1:proposal:nope", "Proposal has no key action “nope”; nothing was changed. Actions: `demo` Solution demo, `proposal_sent` Proposal sent."),
        ("alice", "2:lead:demo", "#2 is already lost; it can't be moved or closed again."),
        ("alice", "x:proposal:demo", "“x” is not a deal number"),
        ("alice", "9:proposal:demo", "There is no deal #9."),
    ],
)
def test_a_tick_that_cannot_be_done_is_refused_in_the_persons_language_and_changes_nothing(slack, rt, deal, who, value, said):
    slack.command("alice", "new Globex CRM 20万")
    slack.command("alice", "lost 2 price")
    slack.click("alice", "playbook_tick_0", "1:proposal:demo")
    if who == "li":
        slack.command("boss", f"team set <@{ALICE}> manager:<@{LI}>")  # li may tick alice's deals: the refusal is about the tick
    before = state(rt)
    slack.click(who, "playbook_tick_0", value)
    refusal = slack.responses()[-1]
    assert said in payload_text(refusal)
    assert refusal["replace_original"] is False
    assert state(rt) == before


def test_a_stage_with_many_key_actions_keeps_the_card_within_slacks_limits(slack, rt, deal):
    many = tuple(Step(f"a{i}", {"zh": f"动作{i}", "en": f"Action {i} " + "x" * 80}) for i in range(60))
    stages = tuple(replace(s, actions=many) if s.key == "proposal" else s for s in rt.config.stages)
    rt.config = replace(rt.config, stages=stages)
    card = slack.command("alice", "show 1").json
    assert_valid_message(card)
    assert len(card["blocks"]) <= 12
    assert len(block(card, "playbook_1")["elements"]) == 20
    assert checklist(card).startswith("*Key actions in Proposal* (0 of 60)")
