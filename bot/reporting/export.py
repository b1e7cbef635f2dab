"""Deals as a CSV spreadsheet (UTF-8 with a BOM, so Excel reads Chinese correctly; a cell that a
spreadsheet would run as a formula is quoted): what `/opp export` sends and `oppbot export` writes.
It holds everything a deal has, in the columns `oppbot import` reads, so an export imported into
another database and exported again gives the same file. A deal made here has no external id; it
is written as ``oppbot:<workspace>:<number>``, which an import into this workspace recognises as
that deal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.core.config import Config
from store.queries import DealFilter, deals_with_owners

EXPORT_LIMIT = 50_000  # deals in one `/opp export` (a file in Slack)
HISTORY = ("created_at", "stage_entered_at", "closed_at", "last_activity_at")
READ_ONLY = ("grade", "score", "win_probability")  # worked out here: an import reads and recomputes them
OWN_ID = "oppbot:{workspace}:{number}"


def qualification_column(key: str) -> str:
    return f"q_{key}"


def CSV_COLUMNS(config: Config) -> tuple[str, ...]:  # noqa: N802 - a constant that depends on the criteria
    """The columns, in order: the deal, its history, its people and notes, its qualification
    answers (one column per criterion), then what oppbot worked out."""
    return (
        "external_id",
        "number",
        "title",
        "account",
        "contact",
        "amount",
        "currency",
        "stage",
        "status",
        *HISTORY,
        "expected_close",
        "owner",
        "source",
        "industry",
        "region",
        "tags",
        "next_step",
        "next_step_due",
        "won_reason",
        "lost_reason",
        "strategic",
        "pinned_grade",
        "probability_override",
        "budget",
        "authority",
        "need",
        "timing",
        *(qualification_column(c.key) for c in config.qualification.criteria),
        *READ_ONLY,
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
    if isinstance(value, list):
        value = ", ".join(value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, (int, float, Decimal)):
        text = "'" + text  # a spreadsheet must not run it as a formula
    return text


def _values(opp, owner: str, config: Config) -> dict:
    answers = opp.qualification or {}
    return {
        "external_id": opp.external_id or OWN_ID.format(workspace=opp.workspace_id, number=opp.number),
        "owner": owner,
        "pinned_grade": opp.grade if opp.grade_pinned else None,
        "probability_override": opp.probability_override,
        **{qualification_column(c.key): answers.get(c.key) for c in config.qualification.criteria},
    }


def csv_lines(session: Session, f: DealFilter, config: Config, *, limit: int | None) -> Iterator[str]:
    """The CSV, a line at a time (the header first): the deals ``f`` matches in number order."""
    columns = CSV_COLUMNS(config)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    yield "\ufeff" + out.getvalue()
    for opp, owner in deals_with_owners(session, f, limit=limit):
        out.seek(0)
        out.truncate()
        own = _values(opp, owner, config)
        writer.writerow([_cell(own[c] if c in own else getattr(opp, c)) for c in columns])
        yield out.getvalue()


def deals_csv(session: Session, f: DealFilter, config: Config) -> tuple[int, bytes]:
    """How many deals matched, and the CSV of them (at most ``EXPORT_LIMIT``)."""
    lines = list(csv_lines(session, f, config, limit=EXPORT_LIMIT))
    return len(lines) - 1, "".join(lines).encode("utf-8")
