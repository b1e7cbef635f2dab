"""`oppbot import FILE`: a file of deals brought in with their history, all or nothing.

The file is read (bot.imports.files), its header matched to fields (bot.imports.columns), every
row checked (bot.imports.rows); one problem anywhere stops the import with a line per problem and
nothing saved. Then everything is written in one transaction (bot.imports.writing). ``dry_run``
does all of it and rolls back: the summary says what would happen."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from bot.core.runtime import Runtime
from bot.imports import values
from bot.imports.columns import LAYOUTS, BadLayout, read_mapping, resolve
from bot.imports.files import UnreadableFile, read_table
from bot.imports.rows import Checked, RowReader
from bot.imports.writing import Summary, Unmapped, write
from bot.reporting.export import HISTORY
from store.models import Workspace

SHOW_PROBLEMS = 20
DATE_FORMATS = {"dmy": "dmy", "dd/mm/yyyy": "dmy", "mdy": "mdy", "mm/dd/yyyy": "mdy"}
DATE_FIELDS = (*HISTORY, "expected_close", "next_step_due", "close_date")


class BadImport(Exception):
    """The file can't be imported; ``problems`` says why, a line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Options:
    workspace_id: str
    source: str | None = None  # "salesforce", "hubspot": that system's export layout
    mapping: Path | None = None
    date_format: str | None = None  # dmy or mdy: how a/b/yyyy dates are written
    sheet: str | None = None
    encoding: str | None = None
    dry_run: bool = False


@dataclass
class Report:
    form: str  # what the file was read as
    rows: int
    unread: list[str]  # headers that name no field (a CRM's extra columns)
    summary: Summary
    dry_run: bool
    seconds: float = 0.0


class _DryRun(Exception):
    def __init__(self, summary: Summary):
        super().__init__("dry run")
        self.summary = summary


class Progress:
    """Rows read, checked and written: a bar on a terminal, a line now and then elsewhere."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total, self.stage, self.shown = 0, "", 0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.total, self.shown = stage, total, 0

    def __call__(self, done: int) -> None:
        if self.tty:
            filled = 30 * done // max(self.total, 1)
            self.stream.write(f"\r{self.stage:<8} [{'#' * filled}{' ' * (30 - filled)}] {done:,}/{self.total:,} rows")
            if done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif done - self.shown >= max(self.total // 10, 1000) or (done >= self.total and self.shown and done > self.shown):
            self.shown = done
            print(f"{self.stage} {done:,} of {self.total:,} rows", file=self.stream, flush=True)


def import_file(rt: Runtime, path: Path, options: Options, progress: Progress | None = None) -> Report:
    """Import the deals in ``path``; raises BadImport with every problem, nothing written."""
    started = time.monotonic()
    progress = progress or Progress()
    _require_workspace(rt, options.workspace_id)
    try:
        table = read_table(path, sheet=options.sheet, encoding=options.encoding)
        layout = LAYOUTS[options.source] if options.source else None
        mapping = read_mapping(options.mapping, layout, rt.config)
        fields, unread = resolve(table.headers, rt.config, mapping, layout=layout)
    except UnreadableFile as exc:
        raise BadImport([str(exc)]) from None
    except BadLayout as exc:
        raise BadImport([f"{path.name}: {p}" if not p.startswith("--map") else p for p in exc.problems]) from None
    order = _date_order(table.rows, fields, options.date_format)
    now = rt.clock.now()
    local = now.astimezone(rt.config.tz)
    reader = RowReader(rt.config, mapping, fields, order=order, now=now, relative_day=lambda text: rt.dates.read(text, now=local))
    progress.start("checked", len(table.rows))
    rows: list[Checked] = []
    for done, (line, cells) in enumerate(table.rows, start=1):
        row = reader.check(line, cells)
        if row is not None:
            rows.append(row)
        if done % 1000 == 0 or done == len(table.rows):
            progress(done)
    _same_ids(rows, reader.problems)
    if reader.problems:
        raise BadImport([*reader.problems.lines(SHOW_PROBLEMS), "nothing was imported"])
    if not rows:
        raise BadImport([f"{path.name}: no deals in it"])
    progress.start("written", len(rows))
    try:
        with rt.transaction() as session:
            summary = write(session, rt.config, rows, workspace_id=options.workspace_id, mapping=mapping, file_name=path.name, now=now, progress=progress)
            if options.dry_run:
                raise _DryRun(summary)  # everything rolled back
    except Unmapped as exc:
        raise BadImport([*exc.problems.lines(SHOW_PROBLEMS), "nothing was imported"]) from None
    except _DryRun as dry:
        summary = dry.summary
    return Report(table.form, len(rows), unread, summary, options.dry_run, time.monotonic() - started)


def _require_workspace(rt: Runtime, workspace_id: str) -> None:
    with rt.reading() as session:
        if session.get(Workspace, workspace_id) is not None:
            return
        known = list(session.scalars(select(Workspace.id).order_by(Workspace.id)))
    raise BadImport(
        [
            f"no workspace {workspace_id!r} here ("
            + (f"workspaces: {', '.join(known)}" if known else "none yet: use /opp once in Slack first")
            + "); nothing was imported"
        ]
    )


def _date_order(rows: list[tuple[int, list]], fields: dict[int, str], given: str | None) -> str | None:
    """``--date-format`` as dmy or mdy, else what the file's own a/b/yyyy dates show (or None)."""
    if given is not None:
        order = DATE_FORMATS.get(given.strip().lower())
        if order is None:
            raise BadImport([f"--date-format: {given!r} is not one of dmy (31/12/2017) or mdy (12/31/2017)"])
        return order
    positions = [i for i, name in fields.items() if name in DATE_FIELDS]
    cells = [str(cells[i]) for _, cells in rows for i in positions if i < len(cells) and isinstance(cells[i], str) and values.is_slashed(cells[i])]
    order, mixed = values.slashed_order(cells)
    if mixed:
        day_first = next(c for c in cells if int(values.SLASHED.match(c).group(1)) > 12)
        month_first = next(c for c in cells if int(values.SLASHED.match(c).group(2)) > 12)
        raise BadImport([f"the file writes dates both day first ({day_first!r}) and month first ({month_first!r}): make them one way", "nothing was imported"])
    return order


def _same_ids(rows: list[Checked], problems) -> None:
    """Two rows with one external id would be one deal written twice."""
    first: dict[str, int] = {}
    for row in rows:
        external = row.fields.get("external_id")
        if external is None:
            continue
        if external in first:
            problems.cells.append((row.line, "external_id", f"{external!r} is also on row {first[external]}; each deal once"))
        else:
            first[external] = row.line


def report_lines(report: Report, path: Path) -> list[str]:
    """The summary the command prints."""
    s = report.summary
    would = "would be " if report.dry_run else ""
    lines = [f"read {path.name} ({report.form}): {report.rows:,} deals" + (f"; columns not read: {', '.join(report.unread)}" if report.unread else "")]
    created = sum(s.created.values())
    head = f"{'dry run, nothing changed: ' if report.dry_run else ''}{would}imported {created + sum(s.updated.values())} deals"
    if s.numbers:
        head += f" (#{s.numbers[0]}–#{s.numbers[1]})"
    lines.append(
        f"{head}: created {created}{_by_status(s.created)}, updated {sum(s.updated.values())}{_by_status(s.updated)}, "
        f"unchanged {s.unchanged}, skipped {s.skipped} (merged or deleted here); {report.seconds:.1f} s"
    )
    given = ", ".join(f"{user} {n}" for user, n in sorted(s.assigned.items(), key=lambda kv: -kv[1])) or "nobody"
    lines.append(f"assigned by the rules: {given}; to the public pool: {s.pooled}; possible duplicates recorded: {s.duplicates}")
    if s.by_stage:
        lines.append("by stage: " + ", ".join(f"{k} {n}" for k, n in s.by_stage.most_common()))
    if s.by_owner:
        lines.append("by owner: " + ", ".join(f"{k} {n}" for k, n in s.by_owner.most_common(10)) + (" …" if len(s.by_owner) > 10 else ""))
    if s.reasons_as_written:
        lines.append("reasons kept as written (no configured reason by that name): " + ", ".join(f"{k!r} {n}" for k, n in s.reasons_as_written.most_common(10)))
    return lines


def _by_status(counts) -> str:
    return f" ({', '.join(f'{k} {n}' for k, n in sorted(counts.items()))})" if counts else ""
