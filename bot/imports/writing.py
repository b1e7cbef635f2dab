"""Writing checked rows, in one transaction and in bulk: the deals a file already brought (same
external id) are updated where they differ, the rest created with the numbers they had where those
are free and the next ones otherwise, reserved in one statement; one event per deal records the
import and the file. Then the ownerless open deals are handed out by the assignment rules, open
deals matching an account already in the pipeline are marked as possible duplicates, and the
win-probability model relearns once from every closed deal."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from bot.core.config import Config
from bot.deals import duplicates, qualification, winprob
from bot.imports.columns import Mapping, fold
from bot.imports.rows import Checked, Problems
from bot.reporting.export import HISTORY, OWN_ID
from bot.team import assignment, batch
from bot.team.members import actor_for
from store import queries
from store.models import Event, Member, Opportunity, Workspace

CHUNK = 5000  # rows a statement writes (and ids an IN list holds)
SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}$")
# columns an update compares and writes; number, creator and the deal's own history stay
COMPARED = (
    "external_id",
    "title",
    "account",
    "contact",
    "amount",
    "currency",
    "stage",
    "status",
    *HISTORY,
    "expected_close",
    "owner_id",
    "source",
    "industry",
    "region",
    "tags",
    "next_step",
    "next_step_due",
    "won_reason",
    "lost_reason",
    "strategic",
    "grade_pinned",
    "probability_override",
    "budget",
    "authority",
    "need",
    "timing",
    "qualification",
    "grade",  # given only when the file pins it
)
WORKED = "worked out"  # in a change: the columns worked out again (score, grade …), apart from the file's


@dataclass
class Summary:
    """What an import did (or, dry, would do)."""

    created: Counter = field(default_factory=Counter)  # by status
    updated: Counter = field(default_factory=Counter)
    unchanged: int = 0
    skipped: int = 0  # merged or deleted deals the file names: left as they are
    by_stage: Counter = field(default_factory=Counter)  # created and updated
    by_owner: Counter = field(default_factory=Counter)  # Slack id (the rules' picks included)
    assigned: dict[str, int] = field(default_factory=dict)  # Slack id -> deals given by the rules
    pooled: int = 0
    duplicates: int = 0
    numbers: tuple[int, int] | None = None
    reasons_as_written: Counter = field(default_factory=Counter)  # reasons that name no configured one


class Unmapped(Exception):
    """Owners nobody could find; the import stops before anything is written."""

    def __init__(self, problems: Problems):
        super().__init__("unmapped owners")
        self.problems = problems


def write(
    session: Session,
    config: Config,
    rows: list[Checked],
    *,
    workspace_id: str,
    mapping: Mapping,
    file_name: str,
    now: datetime,
    progress: Callable[[int], None],
) -> Summary:
    importer = actor_for(assignment.system_member(session, workspace_id, now), config)
    owners = _owners(session, workspace_id, rows, mapping, now)
    existing = _existing(session, workspace_id, rows)
    summary = Summary()
    new, changed = [], []
    for row in rows:
        stored = existing.get(row.fields.get("external_id"))
        owner_id = owners.get(row.owner) if row.owner else None
        if stored is None:
            new.append(_new_values(config, row, owner_id, importer.member_id, workspace_id, now))
        elif stored["status"] in ("merged", "deleted"):
            summary.skipped += 1
        else:
            values = _changes(config, stored, row, owner_id)
            if values:
                changed.append((stored, values))
            else:
                summary.unchanged += 1
    unowned = [i for i, values in enumerate(new) if values["status"] == "open" and values["owner_id"] is None]
    _count(summary, config, new, changed, owners_by_id=_slack_ids(session, workspace_id))
    created = _insert(session, workspace_id, new, importer=importer.member_id, file_name=file_name, now=now, progress=progress)
    _update(session, changed, importer=importer.member_id, file_name=file_name, now=now)
    progress(len(rows))
    summary.numbers = (min(v["number"] for v in new), max(v["number"] for v in new)) if new else None
    summary.duplicates = _mark_duplicates(session, workspace_id, new, created, importer.member_id, now)
    if unowned:
        wanted = [created[i] for i in unowned]
        opps = list(session.scalars(select(Opportunity).where(Opportunity.id.in_(wanted)).order_by(Opportunity.number)).unique())
        given = batch.assign_batch(session, config, opps, by=importer.member_id, now=now)
        ids = _slack_ids(session, workspace_id)
        summary.assigned = {ids[m]: n for m, n in given.items()}
        summary.pooled = len(unowned) - sum(given.values())
    winprob.learn(session, workspace_id)
    winprob.refresh_open(session, workspace_id, config)
    return summary


def _owners(session: Session, workspace_id: str, rows: list[Checked], mapping: Mapping, now: datetime) -> dict[str, int]:
    """{owner as written: member id}: by --map [owners] first, then by Slack id, email or display
    name of a member; an unknown Slack id becomes a member (as on their first /opp)."""
    people = session.execute(select(Member.id, Member.slack_user_id, Member.email, Member.display_name).where(Member.workspace_id == workspace_id)).all()
    by_word: dict[str, set[int]] = defaultdict(set)
    for person in people:
        for word in (person.slack_user_id, person.email, person.display_name):
            if word:
                by_word[fold(word)].add(person.id)
    found: dict[str, int] = {}
    problems = Problems()
    for written, lines in _lines_by_owner(rows).items():
        wanted = mapping.owners.get(fold(written), written)
        ids = by_word.get(fold(wanted), set())
        if len(ids) == 1:
            found[written] = next(iter(ids))
        elif not ids and SLACK_ID.match(wanted):
            member = Member(workspace_id=workspace_id, slack_user_id=wanted, display_name=wanted, role="ae", created_at=now)
            session.add(member)
            session.flush()
            by_word[fold(wanted)].add(member.id)
            found[written] = member.id
        else:
            problems.unmapped[("owner", written)].extend(lines)
    if problems:
        raise Unmapped(problems)
    return found


def _lines_by_owner(rows: list[Checked]) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.owner:
            lines[row.owner].append(row.line)
    return lines


def _existing(session: Session, workspace_id: str, rows: list[Checked]) -> dict[str, dict]:
    """{external id: the stored deal's compared columns} for the deals the file names: by their
    external id, or by number for an ``oppbot:<this workspace>:<number>`` one."""
    wanted = [row.fields["external_id"] for row in rows if row.fields.get("external_id")]
    own_prefix = OWN_ID.format(workspace=workspace_id, number="")
    numbers = {int(e[len(own_prefix) :]): e for e in wanted if e.startswith(own_prefix) and e[len(own_prefix) :].isdigit()}
    columns = [getattr(Opportunity, c) for c in COMPARED] + [Opportunity.id, Opportunity.number, Opportunity.version]
    found: dict[str, dict] = {}
    for part in _chunks(wanted):
        for row in session.execute(select(*columns).where(Opportunity.workspace_id == workspace_id, Opportunity.external_id.in_(part))):
            found[row.external_id] = row._asdict()
    for part in _chunks(list(numbers)):
        query = select(*columns).where(Opportunity.workspace_id == workspace_id, Opportunity.number.in_(part), Opportunity.external_id.is_(None))
        for row in session.execute(query):
            found[numbers[row.number]] = row._asdict() | {"own_id": True}
    return found


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# accounts and answers repeat across a file's rows: their keys and scores are worked out once
_account_key = lru_cache(maxsize=65536)(duplicates.account_key)


def _assessed(config: Config, values: dict) -> dict:
    """Score, grade, next touch and rule tags for ``values`` (a whole deal's columns)."""
    a = qualification.assess(
        config,
        answers=values["qualification"],
        amount=values["amount"],
        strategic=values["strategic"],
        stage=values["stage"],
        last_activity_at=values["last_activity_at"],
        pinned_grade=values["grade"] if values["grade_pinned"] else None,
    )
    return {
        "score": a.score,
        "grade": a.grade,
        "next_touch_due": a.next_touch_due if values["status"] == "open" else None,
        "auto_tags": list(a.auto_tags),
        "account_key": _account_key(values["account"]),
    }


def _new_values(config: Config, row: Checked, owner_id: int | None, importer_id: int, workspace_id: str, now: datetime) -> dict:
    f = row.fields
    status = f.get("status", "open")
    created_at = f.get("created_at") or now
    values = {
        "workspace_id": workspace_id,
        "number": row.number,
        "external_id": f.get("external_id"),
        "title": f.get("title"),
        "account": f.get("account"),
        "contact": f.get("contact"),
        "amount": f.get("amount"),
        "currency": f.get("currency") or config.currency,
        "stage": f.get("stage") or config.stages[0].key,
        "status": status,
        "created_at": created_at,
        "stage_entered_at": f.get("stage_entered_at") or created_at,
        "closed_at": f.get("closed_at"),
        # what was last done on it: what the file says, else its close, else the import itself
        "last_activity_at": f.get("last_activity_at") or f.get("closed_at") or now,
        "updated_at": now,
        "expected_close": f.get("expected_close"),
        "owner_id": owner_id,
        "creator_id": importer_id,
        "source": f.get("source"),
        "industry": f.get("industry"),
        "region": f.get("region"),
        "tags": f.get("tags") or [],
        "next_step": f.get("next_step"),
        "next_step_due": f.get("next_step_due"),
        "won_reason": f.get("won_reason"),
        "lost_reason": f.get("lost_reason"),
        "strategic": f.get("strategic", False),
        "grade": f.get("grade", "C"),
        "grade_pinned": f.get("grade_pinned", False),
        "probability_override": f.get("probability_override"),
        "win_probability": {"won": 1.0, "lost": 0.0}.get(status),
        "budget": f.get("budget"),
        "authority": f.get("authority"),
        "need": f.get("need"),
        "timing": f.get("timing"),
        "qualification": f.get("qualification") or {},
        "version": 1,
    }
    return values | _assessed(config, values)


def _changes(config: Config, stored: dict, row: Checked, owner_id: int | None) -> dict:
    """The columns the row changes on ``stored`` (its worked-out ones included), or {}."""
    given = dict(row.fields)
    if stored.get("own_id"):  # oppbot:<workspace>:<number>, as this workspace's export names its deal
        given.pop("external_id", None)
    if owner_id is not None:
        given["owner_id"] = owner_id
    if "qualification" in given:  # the answers the file gives, over the ones it doesn't
        given["qualification"] = {**(stored["qualification"] or {}), **given["qualification"]}
    if given.get("status") == "open" and stored["status"] != "open":
        given["closed_at"] = None
    changes = {name: value for name, value in given.items() if name in COMPARED and stored[name] != value}
    if not changes:
        return {}
    merged = {**stored, **changes}
    closed = {"won": 1.0, "lost": 0.0}.get(merged["status"])
    worked = {k: v for k, v in _assessed(config, merged).items() if k not in changes}
    return changes | {WORKED: worked} | ({"win_probability": closed} if closed is not None else {})


def _insert(
    session: Session, workspace_id: str, new: list[dict], *, importer: int, file_name: str, now: datetime, progress: Callable[[int], None]
) -> dict[int, int]:
    """Insert the new deals; returns {position in ``new``: deal id}. Numbers: the one a row had
    where it is free, else the next, all reserved in one statement."""
    if not new:
        return {}
    _number(session, workspace_id, new)
    ids: dict[int, int] = {}
    with queries.bulk_insert(session):
        _insert_chunks(session, workspace_id, new, ids, importer=importer, file_name=file_name, now=now, progress=progress)
    return ids


def _insert_chunks(
    session: Session, workspace_id: str, new: list[dict], ids: dict[int, int], *, importer: int, file_name: str, now: datetime, progress
) -> None:
    table = Opportunity.__table__
    for start in range(0, len(new), CHUNK):
        part = new[start : start + CHUNK]
        for values in part:
            values["owner_id"] = values["owner_id"] or importer  # the rules give the open ones away below
        queries.insert_rows(session, table, part)  # no RETURNING: SQLite would insert one row a statement
        numbers = {v["number"]: start + i for i, v in enumerate(part)}
        got = session.execute(select(table.c.number, table.c.id).where(table.c.workspace_id == workspace_id, table.c.number.in_(list(numbers))))
        ids.update((numbers[number], deal_id) for number, deal_id in got)
        events = [
            {"opportunity_id": ids[start + i], "actor_id": importer, "at": now, "kind": "imported", "field": "created", "old": None, "new": file_name}
            for i in range(len(part))
        ]
        queries.insert_rows(session, Event.__table__, events)
        progress(start + len(part))


def _number(session: Session, workspace_id: str, new: list[dict]) -> None:
    """Each new deal's number: its own where no deal has it (and no row before it took it)."""
    wanted = [v["number"] for v in new if v["number"] is not None]
    taken = set()
    for part in _chunks(wanted):
        taken.update(session.scalars(select(Opportunity.number).where(Opportunity.workspace_id == workspace_id, Opportunity.number.in_(part))))
    kept = set()
    for values in new:
        if values["number"] in taken or values["number"] in kept:
            values["number"] = None
        elif values["number"] is not None:
            kept.add(values["number"])
    fresh = [v for v in new if v["number"] is None]
    floor = max(kept, default=0) + 1
    counter = Workspace.next_number
    reserve = (
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(next_number=case((counter > floor, counter), else_=floor) + len(fresh))
        .returning(Workspace.next_number)
    )
    end = session.execute(reserve).scalar_one()
    for number, values in enumerate(fresh, start=end - len(fresh)):
        values["number"] = number


def _update(session: Session, changed: list[tuple[dict, dict]], *, importer: int, file_name: str, now: datetime) -> None:
    """One UPDATE per set of changed columns (a file's rows mostly change the same ones)."""
    table = Opportunity.__table__
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for stored, values in changed:
        row = {k: v for k, v in values.items() if k != WORKED} | values[WORKED]
        groups[tuple(sorted(row))].append({"b_id": stored["id"], "b_version": stored["version"] + 1, **{f"b_{k}": v for k, v in row.items()}})
    for names, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(version=bindparam("b_version"), updated_at=now, **{name: bindparam(f"b_{name}") for name in names})
        )
        for part in _chunks(params):
            session.execute(statement, part)
    events = [
        {
            "opportunity_id": stored["id"],
            "actor_id": importer,
            "at": now,
            "kind": "imported",
            "field": "updated",
            "old": ", ".join(sorted(set(values) & set(COMPARED))),
            "new": file_name,
        }
        for stored, values in changed
    ]
    for part in _chunks(events):
        queries.insert_rows(session, Event.__table__, part)


def _mark_duplicates(session: Session, workspace_id: str, new: list[dict], ids: dict[int, int], importer: int, now: datetime) -> int:
    """New open deals whose account is already in the open pipeline (deals not in this import):
    a "duplicate_found" event each, naming the first such deals. Returns how many."""
    keys = {v["account_key"] for v in new if v["status"] == "open" and v["account_key"]}
    if not keys:
        return 0
    fresh = set(ids.values())
    seen: dict[str, list[int]] = defaultdict(list)
    for part in _chunks(sorted(keys)):
        query = (
            select(Opportunity.account_key, Opportunity.number, Opportunity.id)
            .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.account_key.in_(part))
            .order_by(Opportunity.number)
        )
        for key, number, deal_id in session.execute(query):
            if deal_id not in fresh and len(seen[key]) < duplicates.MATCH_LIMIT:
                seen[key].append(number)
    events = [
        {
            "opportunity_id": ids[i],
            "actor_id": importer,
            "at": now,
            "kind": "duplicate_found",
            "field": "duplicate_of",
            "old": None,
            "new": ", ".join(f"#{n}" for n in seen[v["account_key"]]),
        }
        for i, v in enumerate(new)
        if v["status"] == "open" and seen.get(v["account_key"])
    ]
    for part in _chunks(events):
        queries.insert_rows(session, Event.__table__, part)
    return len(events)


def _slack_ids(session: Session, workspace_id: str) -> dict[int, str]:
    return dict(session.execute(select(Member.id, Member.slack_user_id).where(Member.workspace_id == workspace_id)).all())


def _count(summary: Summary, config: Config, new: list[dict], changed: list[tuple[dict, dict]], *, owners_by_id: dict[int, str]) -> None:
    reasons = {r.key for r in (*config.won_reasons, *config.lost_reasons)}
    for values in new:
        summary.created[values["status"]] += 1
        summary.by_stage[values["stage"]] += 1
    for stored, values in changed:
        summary.updated[values.get("status", stored["status"])] += 1
        summary.by_stage[values.get("stage", stored["stage"])] += 1
    for values in [*new, *(v for _, v in changed)]:
        if values.get("owner_id") in owners_by_id:
            summary.by_owner[owners_by_id[values["owner_id"]]] += 1
        for name in ("won_reason", "lost_reason"):
            if values.get(name) and values[name] not in reasons:
                summary.reasons_as_written[values[name]] += 1
