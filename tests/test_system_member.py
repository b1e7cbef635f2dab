"""The per-workspace 'system' member that automatic actions are recorded under."""

from __future__ import annotations

from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from bot.team.assignment import system_member
from bot.team.rules import SYSTEM_USER
from store.models import Member, Workspace


def test_each_workspace_has_a_system_member_of_its_own(rt, clock):
    """A second workspace gets its own system member, not the first one's; asked again, the same one."""
    with rt.transaction() as session:
        first = system_member(session, TEAM_ID, clock.now())
        second = system_member(session, "T0OTHER", clock.now())
        assert (first.workspace_id, second.workspace_id) == (TEAM_ID, "T0OTHER")
        assert first.id != second.id
        assert system_member(session, "T0OTHER", clock.now()).id == second.id
        assert system_member(session, TEAM_ID, clock.now()).id == first.id
    with rt.sessions() as session:
        assert len(session.scalars(select(Member).where(Member.slack_user_id == SYSTEM_USER)).all()) == 2


def test_the_system_member_is_oppbot_and_its_profile_is_never_fetched(rt, clock):
    """Named "oppbot", with its profile marked fetched, so the app never asks Slack about it."""
    with rt.transaction() as session:
        member = system_member(session, TEAM_ID, clock.now())
        assert (member.display_name, member.role) == ("oppbot", "system")
        assert member.profile_fetched_at == clock.now()


def test_a_workspace_made_with_its_system_member_numbers_its_first_deal_1(rt, clock, slack):
    """An automatic action in a new workspace makes its row; the first deal created afterwards is #1."""
    clock.advance(days=-1)
    with rt.transaction() as session:
        system_member(session, TEAM_ID, clock.now())
        assert session.get(Workspace, TEAM_ID).next_number == 1
    clock.advance(days=1)
    answer = slack.command("alice", "new Acme ERP 5万")
    assert "Created #1" in answer.text, answer.text
