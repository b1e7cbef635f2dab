"""`oppbot import deals.csv`: bring a spreadsheet of deals in, all or nothing.

Every row is checked first (title, amount, stage, dates, owner); one bad row stops the import with
a line per problem and nothing saved. Then, in one transaction, each deal is created through the
deal service (events, score, grade) and the deals without an owner are handed out together by the
assignment rules (one DM per assignee, one post to the assignments channel). The columns are those
`/opp export` writes; read-only ones (number, status, grade, score, ...) are ignored.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.core.dates import UnreadableDate
from bot.core.money import UnreadableAmount, parse_amount
from bot.core.runtime import Runtime
from bot.deals import merging
from bot.deals.opportunities import LIMITS, DealInput
from bot.team import assignment, batch
from bot.team.members import actor_for, ensure_member
from store.models import Member, Opportunity

COLUMNS = (
    "title",
    "account",
    "contact",
    "amount",
    "currency",
    "stage",
    "expected_close",
    "next_step",
    "next_step_due",
    "owner",
    "source",
    "industry",
    "region",
    "tags",
)
IGNORED = ("number", "status", "grade", "score", "win_probability", "created_at", "closed_at")
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SHOW_PROBLEMS = 20


class BadImport(Exception):
    """The file can't be imported; ``problems`` says why, a line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Row:
    line: int
    deal: DealInput
    owner: str | None


@dataclass
class Result:
    created: int
    assigned: dict[str, int] = field(default_factory=dict)  # Slack id -> deals given by the rules
    pooled: int = 0
    numbers: tuple[int, int] | None = None
    duplicates: int = 0  # deals that look like open deals already there (each recorded on the deal)


def read_rows(rt: Runtime, path: Path) -> list[Row]:
    """Every row, checked. Raises BadImport listing every problem (the first 20)."""
    reader = _reader(path)
    now = rt.clock.now().astimezone(rt.config.tz)
    rows, problems = [], []
    for line, raw in enumerate(reader, start=2):
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        deal, faults = _deal(rt, values, now)
        problems += [f"row {line}: {column}: {what}" for column, what in faults]
        rows.append(Row(line, deal, values.get("owner") or None))
    if problems:
        shown = problems[:SHOW_PROBLEMS]
        if len(problems) > SHOW_PROBLEMS:
            shown.append(f"... and {len(problems) - SHOW_PROBLEMS} more")
        raise BadImport(shown + ["nothing was imported"])
    if not rows:
        raise BadImport([f"{path}: no deals in it"])
    return rows


def _reader(path: Path) -> csv.DictReader:
    """The file's rows by column name, once its header names known columns and a title."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadImport([f"{path}: can't read it as UTF-8 text ({exc.__class__.__name__})"]) from None
    reader = csv.DictReader(text.splitlines())
    headers = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in headers if h not in COLUMNS and h not in IGNORED]
    if "title" not in headers or unknown:
        problems = [f"{path}: needs a header row with a title column; columns: {', '.join(COLUMNS)}"] if "title" not in headers else []
        problems += [f"{path}: unknown column {h!r} (columns: {', '.join(COLUMNS)})" for h in unknown]
        raise BadImport(problems)
    return reader


def _deal(rt: Runtime, values: dict[str, str], now) -> tuple[DealInput, list[tuple[str, str]]]:
    """One row's deal, and what is wrong with it: (column, problem) for each value that can't be used."""
    deal, faults = DealInput(), []
    if not values.get("title"):
        faults.append(("title", "is empty; every deal needs a title"))
    for name in ("title", "account", "contact", "next_step", "source", "industry", "region"):
        value = values.get(name) or None
        if value and len(value) > LIMITS[name]:
            faults.append((name, f"{len(value)} characters; the most is {LIMITS[name]}"))
        setattr(deal, name, value)
    if values.get("amount"):
        text = values["amount"] + (f" {values['currency']}" if values.get("currency") else "")
        try:
            deal.amount, deal.currency = parse_amount(text, default_currency=rt.config.currency)
        except UnreadableAmount:
            faults.append(("amount", f"can't read {values['amount']!r} (e.g. 500000, 50万, $20k)"))
    if values.get("stage"):
        stage = rt.config.find_stage(values["stage"])
        if stage is None:
            faults.append(("stage", f"no stage {values['stage']!r}; stages: {', '.join(s.key for s in rt.config.stages)}"))
        else:
            deal.stage = stage.key
    for name in ("expected_close", "next_step_due"):
        if values.get(name):
            try:
                setattr(deal, name, _date(rt, values[name], now))
            except UnreadableDate:
                faults.append((name, f"can't read {values[name]!r} as a date (e.g. 2026-12-31)"))
    if values.get("tags"):
        deal.tags = [tag.strip() for tag in re.split(r"[,，]", values["tags"]) if tag.strip()]
    owner = values.get("owner") or None
    if owner and not SLACK_ID.match(owner):
        faults.append(("owner", f"{owner!r} is not a Slack user id (like U012ABCDEF); leave it empty to assign by the rules"))
    return deal, faults


def _date(rt: Runtime, text: str, now) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return rt.dates.read(text, now=now)


def import_deals(rt: Runtime, rows: list[Row], *, workspace_id: str) -> Result:
    """Create the deals and hand out the ownerless ones by the rules, in one transaction."""
    now = rt.clock.now()
    no_profile = lambda _user: None  # noqa: E731 - owners are read from Slack when they first act
    with rt.transaction() as session:
        importer = actor_for(assignment.system_member(session, workspace_id, now), rt.config)
        owners = {
            slack_id: ensure_member(session, workspace_id=workspace_id, slack_user_id=slack_id, clock=rt.clock, fetch_profile=no_profile).id
            for slack_id in {r.owner for r in rows if r.owner}
        }
        unowned: list[Opportunity] = []
        numbers, duplicates = [], 0
        for row in rows:
            row.deal.owner_id = owners.get(row.owner) if row.owner else None
            opp, _, others = merging.create(session, actor=importer, deal=row.deal, config=rt.config, clock=rt.clock, mode=merging.RECORD)
            numbers.append(opp.number)
            duplicates += bool(others)
            if not row.owner:
                unowned.append(opp)
        given = batch.assign_batch(session, rt.config, unowned, by=importer.member_id, now=now) if unowned else {}
        ids = dict(session.execute(select(Member.id, Member.slack_user_id).where(Member.id.in_(given))).all())
    return Result(
        created=len(rows),
        assigned={ids[m]: n for m, n in given.items()},
        pooled=len(unowned) - sum(given.values()),
        numbers=(min(numbers), max(numbers)),
        duplicates=duplicates,
    )
