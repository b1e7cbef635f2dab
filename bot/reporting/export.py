"""`/opp export`: the deals a list filter matches as a CSV spreadsheet (UTF-8 with a BOM, so Excel
reads Chinese correctly; a cell that a spreadsheet would run as a formula is quoted)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy.orm import Session

from store.queries import DealFilter, deals_with_owners

EXPORT_LIMIT = 50_000

CSV_COLUMNS = (
    "number",
    "title",
    "account",
    "contact",
    "amount",
    "currency",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "next_step_due",
    "owner",
    "grade",
    "score",
    "win_probability",
    "source",
    "industry",
    "region",
    "tags",
    "created_at",
    "closed_at",
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, (int, float, Decimal)):
        text = "'" + text  # a spreadsheet must not run it as a formula
    return text


def deals_csv(session: Session, f: DealFilter) -> tuple[int, bytes]:
    """How many deals matched, and the CSV of them (at most ``EXPORT_LIMIT``)."""
    rows = deals_with_owners(session, f, limit=EXPORT_LIMIT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for opp, owner in rows:
        writer.writerow([_cell(owner if c == "owner" else getattr(opp, c)) for c in CSV_COLUMNS])
    return len(rows), ("\ufeff" + out.getvalue()).encode("utf-8")
