"""The permission matrix (role x action x relation to the deal), through the deal services, and a
few of its rows through Slack."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.console.slack_api import TEAM_ID
from bot.core.errors import PermissionDenied
from bot.deals import merging, opportunities
from bot.deals.opportunities import DealInput
from bot.team.members import actor_for, ensure_workspace
from store.models import Event, Member, Opportunity

# who: (role, relation to the deal). The deal is in "proposal" (responsible role ae; sales support
# consulted), owned by "owner" (ae), who reports to "manager".
PEOPLE = {
    "owner": "ae",
    "responsible": "support",  # made responsible for the deal's stage
    "manager": "manager",  # the owner's manager
    "consulted": "support",  # support, consulted in proposal
    "other_ae": "ae",
    "other_bdr": "bdr",
    "other_manager": "manager",  # a manager, but not the owner's
    "admin": "admin",
}
ACTIONS = ("view", "create", "edit", "move", "close", "log", "assign", "grade", "merge")
ALLOWED = {
    "owner": {"view", "create", "edit", "move", "close", "log", "assign"},
    "responsible": {"view", "create", "edit", "move", "close", "log"},
    "manager": set(ACTIONS),
    "consulted": {"view", "create", "log"},
    "other_ae": {"view", "create"},
    "other_bdr": {"view", "create"},
    "other_manager": {"view", "create"},
    "admin": set(ACTIONS),
}


def make_member(session, slack_id: str, role: str, *, manager: Member | None = None, now=None, **kw) -> Member:
    member = Member(
        workspace_id=TEAM_ID,
        slack_user_id=slack_id,
        display_name=slack_id.lower(),
        role=role,
        manager_id=manager.id if manager else None,
        created_at=now,
        profile_fetched_at=now,
        **kw,
    )
    session.add(member)
    session.flush()
    return member


@pytest.fixture
def world(rt):
    now = rt.clock.now()
    with rt.transaction() as session:
        ensure_workspace(session, TEAM_ID, rt.clock)
        members = {}
        members["manager"] = make_member(session, "U0MGR", "manager", now=now)
        for name, role in PEOPLE.items():
            if name != "manager":
                members[name] = make_member(
                    session, "U0" + name.upper().replace("_", ""), role, now=now, manager=members["manager"] if name == "owner" else None
                )
        owner = actor_for(members["owner"], rt.config)
        opp, _ = opportunities.create(
            session, actor=owner, deal=DealInput(title="Acme ERP", amount=Decimal(500000), stage="proposal"), config=rt.config, clock=rt.clock
        )
        opp.responsible_id = members["responsible"].id
        actors = {name: actor_for(m, rt.config) for name, m in members.items()}
    return actors


def attempt(rt, actor, action: str, target) -> None:
    c, k = rt.config, rt.clock
    with rt.transaction() as s:
        if action == "view":
            opportunities.history(s, actor=actor, number=1)
        elif action == "create":
            opportunities.create(s, actor=actor, deal=DealInput(title="Mine"), config=c, clock=k)
        elif action == "edit":
            opportunities.update(s, actor=actor, number=1, changes=DealInput(title="Renamed"), config=c, clock=k)
        elif action == "move":
            opportunities.move_stage(s, actor=actor, number=1, stage="negotiation", config=c, clock=k)
        elif action == "close":
            opportunities.close(s, actor=actor, number=1, won=True, reason=None, note=None, config=c, clock=k)
        elif action == "log":
            opportunities.log_activity(s, actor=actor, number=1, text="called", config=c, clock=k)
        elif action == "assign":
            opportunities.update(s, actor=actor, number=1, changes=DealInput(owner_id=target.member_id), config=c, clock=k)
        elif action == "grade":
            opportunities.pin_grade(s, actor=actor, number=1, grade="A", config=c, clock=k)
        elif action == "merge":  # into a second deal of the same owner
            owner_id = opportunities.get(s, actor=actor, number=1).owner_id
            opportunities.create(s, actor=actor, deal=DealInput(title="Acme ERP II", owner_id=owner_id), config=c, clock=k)
            merging.merge(s, actor=actor, source=1, target=2, clock=k, config=c)


def snapshot(rt):
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == 1)).unique().one()
        return (
            opp.version,
            opp.title,
            opp.stage,
            opp.status,
            opp.owner_id,
            opp.grade_pinned,
            s.scalar(select(func.count(Event.id))),
            s.scalar(select(func.count(Opportunity.id))),
        )


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_the_permission_matrix(rt, world, who, action):
    before = snapshot(rt)
    if action in ALLOWED[who]:
        attempt(rt, world[who], action, world["other_ae"])
        if action not in ("view",):
            assert snapshot(rt) != before
    else:
        with pytest.raises(PermissionDenied) as refused:
            attempt(rt, world[who], action, world["other_ae"])
        assert snapshot(rt) == before  # nothing changed
        assert refused.value.key in ("not_allowed", "assign_not_allowed", "grade_not_allowed", "merge_not_allowed")


def test_a_pooled_deal_is_nobodys_own_but_any_manager_may_assign_it(rt, world):
    with rt.transaction() as s:
        opp = s.scalars(select(Opportunity)).unique().one()
        opp.pooled_at, opp.responsible_id = rt.clock.now(), None
    with pytest.raises(PermissionDenied):
        attempt(rt, world["owner"], "edit", None)  # its last owner no longer owns it
    attempt(rt, world["other_manager"], "assign", world["other_ae"])
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity)).unique().one()
        assert (opp.owner.slack_user_id, opp.pooled_at) == ("U0OTHERAE", None)


def test_refusals_name_who_may(rt, world):
    from bot.blocks.errors import error_text

    with pytest.raises(PermissionDenied) as refused:
        attempt(rt, world["other_ae"], "edit", None)
    assert error_text(refused.value, rt.config, "en") == (
        "You can't change #1: only its owner <@U0OWNER>, the person responsible now <@U0RESPONSIBLE>, their manager <@U0MGR> or an admin can."
    )
    with pytest.raises(PermissionDenied) as refused:
        attempt(rt, world["other_ae"], "assign", world["other_ae"])
    assert error_text(refused.value, rt.config, "zh") == "你不能分配 #1：只有负责人 <@U0OWNER>、其经理 <@U0MGR> 或管理员可以分配。"


def test_a_refusal_on_a_pooled_deal_names_any_manager_but_a_refused_claim_does_not(rt, world):
    """A pooled deal is nobody's: changing it is for any manager; claiming it is for the claiming roles."""
    from bot.blocks.errors import error_text
    from bot.deals import pool

    with rt.transaction() as s:
        opp = s.scalars(select(Opportunity)).unique().one()
        opp.pooled_at, opp.responsible_id = rt.clock.now(), None
    with pytest.raises(PermissionDenied) as refused:
        attempt(rt, world["other_ae"], "edit", None)
    assert "any manager" in error_text(refused.value, rt.config, "en")
    with pytest.raises(PermissionDenied) as refused, rt.transaction() as s:
        pool.claim(s, actor=world["consulted"], number=1, config=rt.config, now=rt.clock.now())  # support does not claim
    assert refused.value.key == "claim_not_allowed"
    assert "any manager" not in error_text(refused.value, rt.config, "en")


def test_a_log_refusal_names_every_role_consulted_in_the_stage(rt, world):
    from bot.blocks.errors import error_text

    proposal = rt.config.stage("proposal")
    wider = replace(proposal, consulted=("support", "bdr"))
    rt.config = replace(rt.config, stages=tuple(wider if st.key == "proposal" else st for st in rt.config.stages))
    assert attempt(rt, world["other_bdr"], "log", None) is None  # bdr is consulted now
    with pytest.raises(PermissionDenied) as refused:
        attempt(rt, world["other_ae"], "log", None)
    assert "the sales support/BDR consulted in this stage" in error_text(refused.value, rt.config, "en")


def test_nobody_is_consulted_on_a_deal_in_a_stage_the_config_no_longer_has(rt, world):
    attempt(rt, world["consulted"], "log", None)  # support is consulted in proposal
    with rt.transaction() as s:
        s.scalars(select(Opportunity)).unique().one().stage = "retired"
    before = snapshot(rt)
    with pytest.raises(PermissionDenied):
        attempt(rt, world["consulted"], "log", None)
    assert snapshot(rt) == before


def test_an_unknown_action_is_a_mistake_in_the_code_not_a_refusal(rt, world):
    from bot.deals import permissions

    with rt.sessions() as s, pytest.raises(ValueError, match="'fly'"):
        permissions.allowed(world["admin"], "fly", s.scalars(select(Opportunity)).unique().one())


# --- through Slack ---------------------------------------------------------------------------


def set_role(rt, slack_id: str, role: str, manager: str | None = None) -> None:
    with rt.transaction() as s:
        m = s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one()
        m.role = role
        if manager:
            m.manager_id = s.scalars(select(Member.id).where(Member.slack_user_id == manager)).one()


def test_sales_support_logs_on_deals_they_are_consulted_on_but_cannot_move_them(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    assert "已记录 #1 的跟进" in slack.command("li", "log 1 做了产品演示").text
    assert "你不能修改 #1" in slack.command("li", "推进 1 价格谈判").text
    assert db.deal(1).stage == "proposal"
    slack.command("alice", "move 1 negotiation")  # support is not consulted in negotiation
    assert "只有负责人 <@U0ALICE>、本阶段被咨询的经理或管理员" in slack.command("li", "log 1 再次演示").text


def test_a_manager_reassigns_a_team_deal_and_an_ae_cannot(slack, rt, db, fake):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("boss", "show 1")
    slack.command("bob", "show 1")
    set_role(rt, "U0BOB", "manager")
    set_role(rt, "U0ALICE", "ae", manager="U0BOB")
    answer = slack.command("nyc", "reassign 1 <@U0LI|li>")
    assert answer.json["text"] == "⚠️ You can't assign #1: only its owner <@U0ALICE>, their manager <@U0BOB> or an admin can."
    assert "#1 assigned to <@U0LI>" in slack.command("bob", "reassign 1 <@U0LI|li>").text
    assert db.deal(1).owner.slack_user_id == "U0LI"
    owner_events = [(e.old, e.new) for e in db.events(1) if e.field == "owner"]
    assert owner_events == [("U0ALICE", "U0LI")]
