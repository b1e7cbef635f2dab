"""Reading a file of deals as people have them: CSV in UTF-8 (with or without a BOM), UTF-16,
GB18030/GBK (Excel's CSV on Chinese Windows) or another encoding charset-normalizer recognises, and
Excel's .xlsx (the first sheet, or the one named). Cells keep what they hold: a quoted newline stays
in its cell, and a line separator (U+2028) inside a cell does not split the row."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from charset_normalizer import from_bytes

XLSX_MAGIC = b"PK\x03\x04"
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
Cell = str | date | datetime | int | float | None


class UnreadableFile(Exception):
    """The file can't be read as a table; the message says why and what to do."""


@dataclass(frozen=True)
class Table:
    """A file's header and rows: ``rows`` are (line or row number, cells) with text cells stripped."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]
    form: str  # what it was read as: "CSV, UTF-8", "CSV, GB18030", "Excel sheet Deals"


def read_table(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path}: can't open it ({exc.strerror or exc.__class__.__name__})") from None
    if data.startswith(XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx(path, data, sheet)
    if sheet is not None:
        raise UnreadableFile(f"{path}: --sheet is for .xlsx files; this one is read as CSV")
    text, name = decode(data, encoding)
    return _csv(text, f"CSV, {name}")


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the name of its encoding: the one given, else a byte order mark's,
    else UTF-8 when it is valid UTF-8, else charset-normalizer's finding (GB18030 for GBK text)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise UnreadableFile(f"--encoding: no encoding called {encoding!r} (e.g. utf-8, gb18030, utf-16)") from None
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"the file is not {encoding} (byte {exc.start} can't be read); try without --encoding") from None
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name), name.replace("-sig", "").upper()
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableFile("can't tell the file's encoding: save it as CSV UTF-8 (Excel: Save As → CSV UTF-8), or give --encoding")
    name = "GB18030" if best.encoding in ("gb2312", "gbk", "gb18030") else best.encoding.upper().replace("_", "-")
    return data.decode("gb18030" if name == "GB18030" else best.encoding), name


def _csv(text: str, form: str) -> Table:
    # csv reads a file opened with newline="": a quoted cell keeps its line breaks, and only \r\n,
    # \n and \r end a row (str.splitlines would also split at U+2028 and friends)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader, [])
        rows = [(reader.line_num, [cell.strip() for cell in cells]) for cells in reader]
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file (line {reader.line_num}: {exc})") from None
    return Table([h.strip() for h in headers], rows, form)


def _xlsx(path: Path, data: bytes, sheet: str | None) -> Table:
    from openpyxl import load_workbook  # only when a workbook is read: it takes a while to import

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{path}: not an Excel .xlsx workbook ({exc.__class__.__name__}); save it as .xlsx or CSV") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise UnreadableFile(f"--sheet: no sheet {sheet!r} in {path.name} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        cells = _sheet_rows(ws.iter_rows(values_only=True))
        headers = [str(h).strip() if h is not None else "" for h in next(cells, [])]
        rows = list(enumerate(cells, start=2))
        return Table(headers, rows, f"Excel sheet {ws.title}")
    finally:
        book.close()


def _sheet_rows(values: Iterator[tuple]) -> Iterator[list[Cell]]:
    for row in values:
        yield [cell.strip() if isinstance(cell, str) else cell for cell in row]
