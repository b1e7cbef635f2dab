"""Checking a file's rows: each cell read into the field it names, each row's status and dates
made consistent, every problem noted with its row and column. A value that needs a decision about
the whole file (a stage or an owner nobody mapped) is reported once, with how many rows have it."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from bot.core.config import GRADES, Config
from bot.core.dates import UnreadableDate
from bot.core.deal_fields import LIMITS, MAX_TAG_LENGTH, MAX_TAGS
from bot.core.text import clean
from bot.imports import values as read
from bot.imports.columns import NOTES, STATUS_WORDS, Mapping, fold
from bot.reporting.export import HISTORY, qualification_column

TEXTS = ("title", "account", "contact", "next_step", "source", "industry", "region", *NOTES)
DAYS = ("expected_close", "next_step_due")
CURRENCY = re.compile(r"[A-Z]{3}")
EXTERNAL_ID_LIMIT = 100


@dataclass
class Checked:
    """One row, read: ``fields`` holds the deal's columns the file gives (names as stored)."""

    line: int
    fields: dict = field(default_factory=dict)
    owner: str | None = None  # as written; people are found once for the whole file
    number: int | None = None  # the number it had, kept where it is free


@dataclass
class Problems:
    """What stops the import: one line per bad cell, one per unmapped value (with its rows)."""

    cells: list[tuple[int, str, str]] = field(default_factory=list)
    unmapped: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    file: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cells or self.unmapped or self.file)

    def lines(self, limit: int) -> list[str]:
        out = list(self.file)
        for (column, value), rows in sorted(self.unmapped.items(), key=lambda kv: -len(kv[1])):
            out.append(f"{column}: {value!r} ({_rows(rows)}) {UNMAPPED[column]}")
        out += [f"row {line}: {column}: {what}" for line, column, what in self.cells[: max(limit - len(out), 0)]]
        hidden = len(self.file) + len(self.unmapped) + len(self.cells) - len(out)
        return out + ([f"... and {hidden} more"] if hidden > 0 else [])


UNMAPPED = {
    "stage": "is no stage here: name it in --map [stages] (as one of our stages, or won / lost)",
    "owner": "is nobody here (by Slack id, email or display name): name them in --map [owners], or leave owner empty to assign by the rules",
}


def _rows(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:5])
    return f"row {shown}" if len(lines) == 1 else f"{len(lines)} rows: {shown}{', …' if len(lines) > 5 else ''}"


class RowReader:
    """Reads rows of one file: ``fields`` is {position: field} from the header."""

    def __init__(self, config: Config, mapping: Mapping, fields: dict[int, str], *, order: str | None, now: datetime, relative_day):
        self.config, self.mapping, self.fields = config, mapping, fields
        self.order, self.now, self.relative_day = order, now, relative_day
        self.criteria = {qualification_column(c.key): c for c in config.qualification.criteria}
        self.problems = Problems()
        self.readers = self._readers()
        self.answers: dict[tuple[str, object], str] = {}  # a file repeats a few words: each is read once
        self.stages: dict[str, tuple[dict, dict]] = {}
        self.reasons: dict[tuple[str, bool], str] = {}

    def check(self, line: int, cells: list) -> Checked | None:
        """The row read, or None for an empty row; its problems go to ``self.problems``."""
        given = {name: cells[i] for i, name in self.fields.items() if i < len(cells) and cells[i] not in (None, "")}
        tags = [cells[i] for i, name in self.fields.items() if name == "tags" and i < len(cells) and cells[i] not in (None, "")]
        if not given:
            return None
        row, flags = Checked(line), {"failed": set()}
        for name, cell in given.items():
            try:
                self._read(row, flags, name, cell)
            except read.BadValue as bad:
                self.problems.cells.append((line, name, str(bad)))
                flags["failed"].add(name)
        if len(tags) > 1:
            self._read(row, flags, "tags", ",".join(str(t) for t in tags))
        if "amount" in flags:  # its own currency sign wins, else the currency column, else the workspace's
            try:
                row.fields["amount"], row.fields["currency"] = read.read_amount(flags["amount"], row.fields.get("currency") or self.config.currency)
            except read.BadValue as bad:
                self.problems.cells.append((line, "amount", str(bad)))
        if "title" not in row.fields and "title" not in given:
            self.problems.cells.append((line, "title", "is empty; every deal needs a title"))
        self._settle(row, flags)
        return row

    def _read(self, row: Checked, flags: dict, name: str, cell) -> None:
        reader = self.readers.get(name) or (self._answer if name in self.criteria else None)
        if reader is not None:  # grade, score and win_probability are worked out again: not read
            reader(row, flags, name, cell)

    def _readers(self) -> dict:
        """{field: how its cell is read into the row}."""
        return {
            **dict.fromkeys(TEXTS, self._text),
            "external_id": self._text,
            "number": self._number,
            "amount": self._later,
            "close_date": self._later,
            "currency": self._currency,
            "stage": lambda row, flags, _, cell: self._stage(row, flags, read.cell_text(cell)),
            "status": self._status,
            **dict.fromkeys(HISTORY, self._moment),
            **dict.fromkeys(DAYS, lambda row, _, name, cell: row.fields.__setitem__(name, self._day(cell))),
            "is_closed": self._flag,
            "is_won": self._flag,
            "owner": self._owner,
            "tags": lambda row, _, name, cell: row.fields.__setitem__(name, self._tags(read.cell_text(cell))),
            "won_reason": self._reason_field,
            "lost_reason": self._reason_field,
            "probability_override": lambda row, _, name, cell: row.fields.__setitem__(name, read.read_probability(cell)),
            "strategic": lambda row, _, name, cell: row.fields.__setitem__(name, read.read_yes_no(cell)),
            "pinned_grade": self._pinned,
        }

    def _text(self, row: Checked, _flags: dict, name: str, cell) -> None:
        text, limit = clean(read.cell_text(cell)).strip(), LIMITS.get(name, EXTERNAL_ID_LIMIT)
        if len(text) > limit:
            raise read.BadValue(f"{len(text)} characters; the most is {limit}")
        row.fields[name] = text

    def _number(self, row: Checked, _flags: dict, _name: str, cell) -> None:
        text = read.cell_text(cell)
        if not text.isdigit() or not 0 < int(text) < 2**31:
            raise read.BadValue(f"{text!r} is not a deal number (1, 2, 3 …)")
        row.number = int(text)

    def _later(self, _row: Checked, flags: dict, name: str, cell) -> None:
        flags[name] = cell  # read once the whole row is: it depends on other columns

    def _currency(self, row: Checked, _flags: dict, _name: str, cell) -> None:
        code = read.cell_text(cell).upper()
        if not CURRENCY.fullmatch(code):
            raise read.BadValue(f"{cell!r} is not a currency code (CNY, USD, EUR …)")
        row.fields["currency"] = code

    def _status(self, _row: Checked, flags: dict, _name: str, cell) -> None:
        status = STATUS_WORDS.get(fold(cell))
        if status is None:
            raise read.BadValue(f"{cell!r} is not a status (open, won, lost)")
        flags["status"] = status

    def _moment(self, row: Checked, _flags: dict, name: str, cell) -> None:
        row.fields[name] = read.read_moment(cell, self.config.tz, self.order)

    def _flag(self, _row: Checked, flags: dict, name: str, cell) -> None:
        flags[name] = read.read_yes_no(cell)

    def _owner(self, row: Checked, _flags: dict, _name: str, cell) -> None:
        row.owner = clean(read.cell_text(cell)).strip()

    def _reason_field(self, row: Checked, _flags: dict, name: str, cell) -> None:
        row.fields[name] = self._reason(read.cell_text(cell), won=name == "won_reason")

    def _pinned(self, row: Checked, _flags: dict, _name: str, cell) -> None:
        grade = read.cell_text(cell).upper()
        if grade not in GRADES:
            raise read.BadValue(f"{cell!r} is not a grade ({', '.join(GRADES)})")
        row.fields["grade"], row.fields["grade_pinned"] = grade, True

    def _answer(self, row: Checked, _flags: dict, name: str, cell) -> None:
        criterion = self.criteria[name]
        key = self.answers.get((name, cell))
        if key is None:
            choice = criterion.read(read.cell_text(cell))
            if choice is None:
                raise read.BadValue(f"{cell!r} is not an answer to {criterion.key} ({', '.join(c.key for c in criterion.choices)})")
            key = self.answers[(name, cell)] = choice.key
        row.fields.setdefault("qualification", {})[criterion.key] = key

    def _day(self, cell) -> date:
        try:
            return read.read_day(cell, self.order)
        except read.BadValue:
            try:  # an open deal's plan may be written as people say it: 月底, 下周五, end of quarter
                return self.relative_day(read.cell_text(cell))
            except UnreadableDate:
                raise read.BadValue(f"can't read {cell!r} as a date (e.g. 2017-03-01, 2017/3/1, 2017年3月1日)") from None

    def _stage(self, row: Checked, flags: dict, text: str) -> None:
        known = self.stages.get(text)
        if known is not None:  # the stages a file names are few: each is worked out once
            flags.update(known[0])
            row.fields.update(known[1])
            return
        target = self.mapping.stages.get(fold(text))
        status = STATUS_WORDS.get(fold(target or text))
        if status in ("won", "lost"):
            self.stages[text] = ({"stage_status": status}, {})
        elif (stage := self.config.find_stage(target or text)) is not None:
            self.stages[text] = ({}, {"stage": stage.key})
        else:
            self.problems.unmapped[("stage", text)].append(row.line)
            return
        self._stage(row, flags, text)

    def _tags(self, text: str) -> list[str]:
        tags = list(dict.fromkeys(t.strip() for t in re.split(r"[,，;；]", clean(text)) if t.strip()))
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
            raise read.BadValue(f"at most {MAX_TAGS} tags of {MAX_TAG_LENGTH} characters each")
        return tags

    def _reason(self, text: str, *, won: bool) -> str:
        """A configured reason's key when the text names one; else the text as written."""
        if (text, won) not in self.reasons:
            self.reasons[(text, won)] = self._find_reason(text, won=won)
        return self.reasons[(text, won)]

    def _find_reason(self, text: str, *, won: bool) -> str:
        text = clean(text).strip()
        found = self.config.find_reason(text, won=won)
        if found is not None and not found[1]:
            return found[0].key
        if len(text) > LIMITS["reason"]:
            raise read.BadValue(f"{len(text)} characters; the most is {LIMITS['reason']}")
        return text

    def _settle(self, row: Checked, flags: dict) -> None:
        """The row's status and dates, from whichever columns gave them, checked against each other."""
        f, line = row.fields, row.line
        status = flags.get("status") or flags.get("stage_status")
        if status is None and "is_closed" in flags:
            status = ("won" if flags.get("is_won") else "lost") if flags["is_closed"] else "open"
        if status is not None:  # else: open when new, as it was when updated
            f["status"] = status
        status = status or "open"
        if "stage" not in f and flags.get("stage_status"):  # "Closed Won": the last stage; "Closed Lost": the first
            f["stage"] = (self.config.stages[-1] if status == "won" else self.config.stages[0]).key
        close = flags.get("close_date")
        if close is not None:
            try:
                if status == "open":
                    f.setdefault("expected_close", read.read_day(close, self.order))
                else:
                    f.setdefault("closed_at", read.read_moment(close, self.config.tz, self.order))
            except read.BadValue as bad:
                self.problems.cells.append((line, "close_date", str(bad)))
        if status == "open":
            if f.get("closed_at") is not None:
                self.problems.cells.append((line, "closed_at", "is for won or lost deals; this one is open"))
            return
        if "closed_at" not in f and f.get("expected_close") is not None:
            f["closed_at"] = datetime.combine(f["expected_close"], time(0), self.config.tz).astimezone(UTC)
        if f.get("closed_at") is None:
            if not flags["failed"] & {"closed_at", "close_date", "expected_close"}:  # else already said
                self.problems.cells.append((line, "closed_at", f"a {status} deal needs the day it closed"))
        elif f["closed_at"] > self.now:
            self.problems.cells.append((line, "closed_at", f"{f['closed_at']:%Y-%m-%d} is in the future"))
        elif f.get("created_at") is not None and f["created_at"] > f["closed_at"]:
            self.problems.cells.append((line, "created_at", f"{f['created_at']:%Y-%m-%d} is after the day it closed"))
