"""Role KPIs (考核): `/opp report kpi [role] [period]` measures each role by its own figures, per
person and for the role's whole team (everyone with that role), over the period. Each figure is
credited to the person who did the work, read from the deal's event log, not to the deal's owner.

- BDR (商务拓展): deals created (by their creator, in the period; deleted and merged ones left out);
  deals qualified: passed the qualification gate, i.e. the deal's first stage change from the
  gate stage or before to a stage after it, made in the period, credited to who made it; lead to
  qualified conversion: of the deals the person created in the period, the share that have passed
  the gate by now (by anyone); median days to qualify: created -> that gate change, over the
  deals they qualified.
- Account manager (客户经理): stage conversion = (stage advances + wins) / (those + losses), over
  the moves the person made in the period; win rate = won / (won + lost) over the deals they
  closed in the period (whoever owns them); average cycle of those wins (created -> won); the
  value of those wins against the person's target for the period (`/opp target`; the team's
  target on the team line; none for a span that is not a month or a quarter).
- Pre-sales support (售前支持): questions answered in the period (with the Answer form or by
  logging an activity), median response time (asked -> answered), questions to support still
  open now (team line).
- Manager (经理): for the people who report to them, median hours from an assignment offer to
  its acceptance (offers accepted in the period) and from an alert (when it was sent, else when
  it opened) to the first action on it (alerts on their deals acted on in the period).

Counts, sums and averages are SQL aggregates; medians are taken over the durations column alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from bot.blocks.digests import fmt_total, pct, person
from bot.blocks.kit import Page
from bot.core.config import Config
from bot.core.i18n import t
from bot.core.money import total_in
from bot.core.periods import Period, period_key
from bot.reporting.metrics import days_between, money, stage_rank
from bot.team.rules import SYSTEM_USER, role_names
from store.models import Alert, AssignmentOffer, Event, Member, Opportunity, SupportRequest
from store.queries import current_targets

SECTIONS = ("bdr", "ae", "support", "manager")
ROLE_WORDS = {
    **dict.fromkeys(("bdr", "商务拓展", "线索", "商机开发"), "bdr"),
    **dict.fromkeys(("ae", "am", "客户经理", "销售"), "ae"),
    **dict.fromkeys(("support", "presales", "pre-sales", "售前", "售前支持", "销售支持"), "support"),
    **dict.fromkeys(("manager", "managers", "经理"), "manager"),
}
ROWS = 20  # people listed in a section; the rest are counted
UNCOUNTED = ("deleted", "merged")


def read_role(text: str) -> tuple[str | None, str]:
    """The role ``text`` starts with (bdr, ae, support, manager; English or Chinese) and the rest
    (the period); no role word: all roles and the whole text."""
    word, _, rest = text.strip().partition(" ")
    role = ROLE_WORDS.get(word.lower())
    return (role, rest.strip()) if role else (None, text.strip())


@dataclass(frozen=True)
class Scope:
    """One section's inputs: the transaction, the workspace, the period and the people of the role
    (member id -> (Slack id, name))."""

    session: Session
    config: Config
    workspace_id: str
    period: Period
    lang: str
    people: dict[int, tuple[str, str]]

    def within(self, column) -> list:
        return [column >= self.period.start, column < self.period.end]


@dataclass(frozen=True)
class Figures:
    """One line: the figures shown (formatted) and what the list is sorted by."""

    values: dict[str, str]
    rank: tuple
    # won, target (None: none, or not convertible) in the workspace currency, and whether there is a target
    bar: tuple[Decimal | None, Decimal | None, bool] | None = None


def _people(session: Session, workspace_id: str, role: str) -> dict[int, tuple[str, str]]:
    rows = session.execute(
        select(Member.id, Member.slack_user_id, Member.display_name)
        .where(Member.workspace_id == workspace_id, Member.role.in_(role_names(role)), Member.slack_user_id != SYSTEM_USER)
        .order_by(Member.id)
    )
    return {i: (u, n) for i, u, n in rows}


def _grouped(rows: Iterable) -> dict[int, list[float]]:
    """(person, duration) rows -> each person's durations."""
    out: dict[int, list[float]] = defaultdict(list)
    for who, value in rows:
        if value is not None:
            out[who].append(float(value))
    return out


def _pooled(groups: dict[int, list[float]]) -> list[float]:
    return [v for values in groups.values() for v in values]


def _mid(values: list[float]) -> float | None:
    return median(values) if values else None


def _days(lang: str, value: float | None) -> str:
    return "—" if value is None else t(lang, "dg_days", days=value)


def _hours(lang: str, value: float | None) -> str:
    return "—" if value is None else t(lang, "kpi_hours", hours=value)


def _ratio(part: float, whole: float) -> str:
    return pct(part / whole if whole else None)


# --- BDR --------------------------------------------------------------------------------------


def _gate_passes(s: Scope):
    """Each deal's first stage change past the qualification gate: (opportunity_id, event_id)."""
    gate = next(i for i, st in enumerate(s.config.stages) if st.key == s.config.qualification.gate_stage)
    return (
        select(Event.opportunity_id, func.min(Event.id).label("event_id"))
        .join(Opportunity, Opportunity.id == Event.opportunity_id)
        .where(
            Opportunity.workspace_id == s.workspace_id,
            Event.kind == "stage",
            stage_rank(Event.new, s.config) > gate,
            stage_rank(Event.old, s.config) <= gate,
        )
        .group_by(Event.opportunity_id)
        .subquery()
    )


def _bdr(s: Scope) -> tuple[dict[int, Figures], Figures]:
    passes = _gate_passes(s)
    created = {
        who: (made, passed)
        for who, made, passed in s.session.execute(
            select(Opportunity.creator_id, func.count(Opportunity.id), func.count(passes.c.event_id))
            .outerjoin(passes, passes.c.opportunity_id == Opportunity.id)
            .where(
                Opportunity.workspace_id == s.workspace_id,
                Opportunity.status.not_in(UNCOUNTED),
                Opportunity.creator_id.in_(s.people),
                *s.within(Opportunity.created_at),
            )
            .group_by(Opportunity.creator_id)
        )
    }
    gate = aliased(Event)
    waits = _grouped(
        s.session.execute(
            select(gate.actor_id, days_between(s.session, gate.at, Opportunity.created_at))
            .join(passes, passes.c.event_id == gate.id)
            .join(Opportunity, Opportunity.id == gate.opportunity_id)
            .where(gate.actor_id.in_(s.people), *s.within(gate.at))
        )
    )

    def figures(made: int, passed: int, days: list[float]) -> Figures:
        values = {"created": str(made), "qualified": str(len(days)), "conversion": _ratio(passed, made), "median": _days(s.lang, _mid(days))}
        return Figures(values, (len(days), made))

    rows = {who: figures(*created.get(who, (0, 0)), waits.get(who, [])) for who in s.people}
    team = figures(sum(m for m, _ in created.values()), sum(p for _, p in created.values()), _pooled(waits))
    return rows, team


# --- account managers -------------------------------------------------------------------------


def _ae(s: Scope) -> tuple[dict[int, Figures], Figures]:
    advance = and_(Event.kind == "stage", stage_rank(Event.new, s.config) > stage_rank(Event.old, s.config))
    won = and_(Event.kind == "status", Event.new == "won")
    lost = and_(Event.kind == "status", Event.new == "lost")
    where = [Opportunity.workspace_id == s.workspace_id, Event.actor_id.in_(s.people), *s.within(Event.at)]
    moves = {
        who: (int(a or 0), int(w or 0), int(lo or 0), float(d or 0))
        for who, a, w, lo, d in s.session.execute(
            select(
                Event.actor_id,
                func.sum(case((advance, 1), else_=0)),
                func.sum(case((won, 1), else_=0)),
                func.sum(case((lost, 1), else_=0)),
                func.sum(case((won, days_between(s.session, Event.at, Opportunity.created_at)), else_=None)),
            )
            .join(Opportunity, Opportunity.id == Event.opportunity_id)
            .where(*where, Event.kind.in_(("stage", "status")))
            .group_by(Event.actor_id)
        )
    }
    amounts: dict[int, list] = defaultdict(list)
    for who, currency, amount in s.session.execute(
        select(Event.actor_id, Opportunity.currency, func.sum(Opportunity.amount))
        .join(Opportunity, Opportunity.id == Event.opportunity_id)
        .where(*where, won)
        .group_by(Event.actor_id, Opportunity.currency)
    ):
        amounts[who].append((currency, amount))
    key = period_key(s.period)
    targets = current_targets(s.session, s.workspace_id, key) if key else {}

    def figures(advanced: int, wins: int, losses: int, days: float, value_rows: list, target) -> Figures:
        value = money(value_rows)
        values = {
            "conversion": _ratio(advanced + wins, advanced + wins + losses),
            "advanced": str(advanced),
            "won": str(wins),
            "lost": str(losses),
            "win_rate": _ratio(wins, wins + losses),
            "cycle": _days(s.lang, days / wins if wins else None),
            "value": fmt_total(value or {s.config.currency: Decimal(0)}, s.config, s.lang),
            "target": _attainment(s, value, target),
        }
        won_total = total_in(value, s.config.currency, s.config.rates) if value else Decimal(0)
        goal = total_in({target.currency: Decimal(target.amount)}, s.config.currency, s.config.rates) if target else None
        return Figures(values, (wins, advanced), (won_total, goal, target is not None))

    rows = {who: figures(*moves.get(who, (0, 0, 0, 0.0)), amounts.get(who, []), targets.get(who)) for who in s.people}
    sums = [sum(m[i] for m in moves.values()) for i in range(4)]
    team = figures(*sums, [r for rows_ in amounts.values() for r in rows_], targets.get(None))
    return rows, team


def _attainment(s: Scope, value: dict, target) -> str:
    """ "of ¥100万 target (45%)", or that there is none to measure against."""
    if target is None:
        return t(s.lang, "kpi_no_target")
    total = total_in(value, target.currency, s.config.rates) if value else Decimal(0)
    share = pct(float(total / target.amount)) if total is not None and target.amount else "—"
    return t(s.lang, "kpi_target", target=fmt_total({target.currency: Decimal(target.amount)}, s.config, s.lang), share=share)


# --- pre-sales support ------------------------------------------------------------------------


def _support(s: Scope) -> tuple[dict[int, Figures], Figures]:
    waits = _grouped(
        s.session.execute(
            select(SupportRequest.answered_by_id, 24 * days_between(s.session, SupportRequest.answered_at, SupportRequest.asked_at)).where(
                SupportRequest.workspace_id == s.workspace_id, SupportRequest.answered_by_id.in_(s.people), *s.within(SupportRequest.answered_at)
            )
        )
    )
    still_open = s.session.scalar(
        select(func.count(SupportRequest.id)).where(
            SupportRequest.workspace_id == s.workspace_id, SupportRequest.role == "support", SupportRequest.answered_at.is_(None)
        )
    )

    def figures(hours: list[float], waiting: int | None = None) -> Figures:
        values = {"answered": str(len(hours)), "median": _hours(s.lang, _mid(hours)), "open": str(waiting)}
        return Figures(values, (len(hours), -(_mid(hours) or 0)))

    return {who: figures(waits.get(who, [])) for who in s.people}, figures(_pooled(waits), still_open or 0)


# --- managers ---------------------------------------------------------------------------------


def _manager(s: Scope) -> tuple[dict[int, Figures], Figures]:
    report = aliased(Member)
    offers = _grouped(
        s.session.execute(
            select(report.manager_id, 24 * days_between(s.session, AssignmentOffer.answered_at, AssignmentOffer.created_at))
            .join(report, report.id == AssignmentOffer.member_id)
            .where(
                AssignmentOffer.workspace_id == s.workspace_id,
                AssignmentOffer.status == "accepted",
                report.manager_id.in_(s.people),
                *s.within(AssignmentOffer.answered_at),
            )
        )
    )
    alerts = _grouped(
        s.session.execute(
            select(report.manager_id, 24 * days_between(s.session, Alert.acted_at, func.coalesce(Alert.notified_at, Alert.opened_at)))
            .join(Opportunity, Opportunity.id == Alert.opportunity_id)
            .join(report, report.id == Opportunity.owner_id)
            .where(Alert.workspace_id == s.workspace_id, report.manager_id.in_(s.people), *s.within(Alert.acted_at))
        )
    )

    def figures(offer_hours: list[float], alert_hours: list[float]) -> Figures:
        values = {
            "offers": str(len(offer_hours)),
            "offer_median": _hours(s.lang, _mid(offer_hours)),
            "alerts": str(len(alert_hours)),
            "alert_median": _hours(s.lang, _mid(alert_hours)),
        }
        return Figures(values, (len(offer_hours) + len(alert_hours),))

    return {who: figures(offers.get(who, []), alerts.get(who, [])) for who in s.people}, figures(_pooled(offers), _pooled(alerts))


BUILDERS: dict[str, Callable[[Scope], tuple[dict[int, Figures], Figures]]] = {"bdr": _bdr, "ae": _ae, "support": _support, "manager": _manager}


Bar = tuple[str, float, float | None]  # a person's name, won value and target, in the workspace currency


def report(session: Session, config: Config, workspace_id: str, period: Period, lang: str, page: Page, role: str | None) -> list[Bar]:
    """The KPI sections of ``role`` (all four when None) onto ``page``: per person, then the team.
    Returns what the account managers' chart draws (the people listed, their won value against
    their target); nothing when their section isn't shown, has nothing to draw, or has an amount
    that can't be converted to the workspace currency."""
    bars: list[Bar] = []
    for key in (role,) if role else SECTIONS:
        scope = Scope(session, config, workspace_id, period, lang, _people(session, workspace_id, key))
        rows, team = BUILDERS[key](scope)
        listed = _section(page, scope, key, rows, team)
        if key == "ae":
            bars = _bars(scope, [(who, rows[who]) for who in listed])
    return bars


def _bars(s: Scope, listed: list[tuple[int, Figures]]) -> list[Bar]:
    if any(won is None or (has_target and goal is None) for won, goal, has_target in (f.bar for _, f in listed)):
        return []  # an amount in a currency without a rate: the text says it, a chart would mislead
    bars = [(s.people[who][1] or s.people[who][0], float(f.bar[0]), float(f.bar[1]) if f.bar[1] else None) for who, f in listed]
    return bars if any(won or target for _, won, target in bars) else []


def _section(page: Page, s: Scope, role: str, rows: dict[int, Figures], team: Figures) -> list[int]:
    """A role's heading, its people best first (the first ``ROWS``, then how many more), the team
    line, and what each figure means. Returns the people listed."""
    lang = s.lang
    lines = [t(lang, "kpi_head", role=t(lang, f"kpi_role_{role}"), count=len(rows))]
    order = sorted(rows, key=lambda who: tuple(-x for x in rows[who].rank) + (s.people[who][0],))
    for who in order[:ROWS]:
        lines.append("• " + t(lang, f"kpi_{role}_line", who=person(*s.people[who]), **rows[who].values))
    if len(order) > ROWS:
        lines.append("_" + t(lang, "kpi_more", more=len(order) - ROWS) + "_")
    if not rows:
        lines.append(t(lang, "kpi_nobody", role=t(lang, f"role_{role}")))
    lines.append(t(lang, f"kpi_{role}_team", **team.values))
    page.section("\n".join(lines))
    page.context(t(lang, f"kpi_{role}_defined"))
    return order[:ROWS]
