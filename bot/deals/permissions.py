"""Who may do what to a deal. Every service checks here first, so the rule is the same from every
surface (command, button, modal, shortcut, console, worker).

The rule, by how the acting person relates to the deal:

- *own*: they own it (and it is not in the public pool) or are responsible for its current stage;
- *team*: its owner, or the person responsible, reports to them (their manager);
- *consulted*: their role is consulted (RACI "C") in the deal's current stage;
- anyone else.

| action | own | team | consulted | other | admin |
| --- | --- | --- | --- | --- | --- |
| view, create (nothing to check) | yes | yes | yes | yes | yes |
| edit, move, close | yes | yes | no | no | yes |
| log (an activity) | yes | yes | yes | no | yes |
| assign, reassign (change the owner) | owner hands it over | yes | no | no | yes |
| grade (pin the grade) | no | yes | no | no | yes |
| meeting (call a review meeting on a closed deal) | no | yes | no | no | yes |
| override (mark won below the qualification threshold) | a manager's own deal | yes | no | no | yes |
| merge (a duplicate into another deal; needed on both) | a manager's own deal | yes | no | no | yes |
| claim (from the pool) | pooled deals only: bdr, ae, manager (capacity permitting) | | | | yes |

A won deal's handover to delivery (its form, a checklist tick, the customer's acceptance) is the
deal's owner's, its delivery owner's, either one's manager's and the admins' (``may_hand_over``).

A deal in the public pool is nobody's own: its manager line is its last owner's, and any manager
may assign it. A refusal names who may do it; nothing changes.

Who manages whom is itself guarded (bot.team.changes): nobody changes their own role or manager,
only admins make managers and admins, and a manager changes only the people who report to them, so
the *team* column can't be reached by naming oneself someone's manager.
"""

from __future__ import annotations

from bot.core.config import Config
from bot.core.errors import PermissionDenied
from bot.team.members import Actor, role_of
from store.models import Member, Opportunity

ACTIONS = ("edit", "move", "close", "log", "assign", "grade", "meeting", "override", "merge", "claim", "pay")
CHANGES = ("edit", "move", "close")
CLAIMERS = ("bdr", "ae", "manager")


def is_own(actor: Actor, opp: Opportunity) -> bool:
    return (opp.pooled_at is None and actor.member_id == opp.owner_id) or actor.member_id == opp.responsible_id


def is_team(actor: Actor, opp: Opportunity) -> bool:
    people = [opp.owner] + ([opp.responsible] if opp.responsible_id else [])
    return any(p is not None and p.manager_id == actor.member_id for p in people)


def is_consulted(actor: Actor, opp: Opportunity, config: Config) -> bool:
    try:
        stage = config.stage(opp.stage)
    except KeyError:
        return False
    return role_of(actor) in stage.consulted


def allowed(actor: Actor, action: str, opp: Opportunity, config: Config | None = None) -> bool:
    """Whether ``actor`` may ``action`` on ``opp``; being consulted counts (for ``log``) when
    ``config`` is given."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor.is_admin:
        return True
    if action == "claim":
        return opp.pooled_at is not None and role_of(actor) in CLAIMERS
    team = is_team(actor, opp) or (opp.pooled_at is not None and role_of(actor) == "manager")
    if action == "assign":  # managers; and an owner may hand their own deal over
        return team or (opp.pooled_at is None and actor.member_id == opp.owner_id)
    if action in ("grade", "meeting"):  # a manager of the team's deals
        return team
    if action in ("override", "merge"):  # the gate gives way to a manager: the owner's, or one who owns the deal
        return team or (is_own(actor, opp) and role_of(actor) == "manager")
    if action in CHANGES:
        return is_own(actor, opp) or team
    if action == "pay":  # 回款: the owner, their managers, and finance
        return actor.member_id == opp.owner_id or team or role_of(actor) == "finance"
    # log
    return is_own(actor, opp) or team or (config is not None and is_consulted(actor, opp, config))


def require(actor: Actor, action: str, opp: Opportunity, config: Config | None = None) -> None:
    """Raise PermissionDenied, naming who may do it, unless ``actor`` may do ``action`` on ``opp``."""
    if allowed(actor, action, opp, config):
        return
    if action in (
        "grade",
        "meeting",
        "claim",
        "merge",
        "pay",
    ):  # the sentence says who may: managers grade, call meetings and merge; claimer roles claim; finance collects
        raise PermissionDenied(f"{action}_not_allowed", number=opp.number)
    raise PermissionDenied("assign_not_allowed" if action == "assign" else "not_allowed", number=opp.number, people=who_may(action, opp, config))


def who_may(action: str, opp: Opportunity, config: Config | None) -> tuple[tuple[str, str], ...]:
    """(kind, Slack id or roles) pairs naming who, besides admins, may do ``action`` (a change, a
    log or an assignment) on ``opp``."""
    people: list[tuple[str, str]] = []
    if opp.pooled_at is None:
        people.append(("owner", opp.owner.slack_user_id))
    if opp.responsible_id and opp.responsible is not None and action != "assign":
        people.append(("responsible", opp.responsible.slack_user_id))
    managers = []
    for person in (opp.owner, opp.responsible):
        if person is not None and person.manager is not None and person.manager.slack_user_id not in managers:
            managers.append(person.manager.slack_user_id)
    people.extend(("manager", m) for m in managers)
    if opp.pooled_at is not None:
        people.append(("any_manager", ""))
    if action == "log" and config is not None:
        try:
            consulted = config.stage(opp.stage).consulted
        except KeyError:
            consulted = ()
        if consulted:
            people.append(("consulted", ",".join(consulted)))
    return tuple(people)


def may_hand_over(actor: Actor, opp: Opportunity, delivery_owner: Member | None) -> bool:
    """Whether ``actor`` may make or change ``opp``'s handover: they own the deal or deliver it,
    manage someone who does, or are an admin."""
    people = [p for p in (opp.owner, delivery_owner) if p is not None]
    return actor.is_admin or any(actor.member_id in (p.id, p.manager_id) for p in people)


def require_hand_over(actor: Actor, opp: Opportunity, delivery_owner: Member | None) -> None:
    """Raise PermissionDenied, naming who may, unless ``actor`` may change ``opp``'s handover."""
    if may_hand_over(actor, opp, delivery_owner):
        return
    people = [("owner", opp.owner.slack_user_id)]
    if delivery_owner is not None:
        people.append(("delivery_owner", delivery_owner.slack_user_id))
    for person in (opp.owner, delivery_owner):
        manager = person.manager if person is not None else None
        if manager is not None and ("manager", manager.slack_user_id) not in people:
            people.append(("manager", manager.slack_user_id))
    raise PermissionDenied("handover_not_allowed", number=opp.number, people=tuple(people))


def may_view(actor: Actor, opp: Opportunity) -> bool:
    """Whether ``actor`` may see ``opp`` (its card, history, amount): every member of the deal's
    workspace may (the table's "view" row), nobody from another workspace."""
    return actor.workspace_id == opp.workspace_id


def outsider(profile: dict | None) -> bool:
    """Whether a Slack user (``users.info``'s user) is no full member of the workspace: a guest
    (is_restricted, is_ultra_restricted), someone of another organisation in a shared channel
    (is_stranger), a deactivated account, or one Slack did not describe. Such a person is shown
    nothing of a deal outside `/opp` (no link preview, no web page)."""
    if not profile:
        return True
    return bool(profile.get("deleted") or profile.get("is_restricted") or profile.get("is_ultra_restricted") or profile.get("is_stranger"))
