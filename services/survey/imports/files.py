"""Reading import files: which format a file is (from its bytes), its header, its data rows.

CSV (comma or semicolon, UTF-8 with or without a BOM) and XLSX (the first sheet, read-only so
memory stays flat). Rows come as (row number, cells) with every cell a string.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from services.survey.imports.header import CSV_ERROR, HeaderProblem

SNIFF_BYTES = 4096
CSV_FIELD_LIMIT = 1_000_000  # characters a CSV cell may hold
# Leading bytes of formats that are neither CSV nor XLSX, yet may pass as text in a short
# sample (a PDF's first line is ASCII; RTF and legacy spreadsheets have their own headers).
_NOT_CSV_SIGNATURES = (
    b"%PDF-",  # PDF
    b"{\\rtf",  # RTF
    b"\xd0\xcf\x11\xe0",  # OLE2 compound file: legacy .xls / .doc
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"\x1f\x8b",  # gzip
)


def sniff_format(source: BinaryIO) -> str | None:
    """`csv`, `xlsx` or None (neither), from the file's own bytes (a seekable file object,
    read from its start).

    The declared media type and the file name are not trusted: browsers send a `.csv` as
    `application/vnd.ms-excel` where Excel is installed, or as `application/octet-stream`.
    An XLSX workbook is a zip archive holding `xl/workbook.xml`; anything else must be text
    that decodes as UTF-8 (a BOM is allowed), without NUL bytes.
    """
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(source):
            return None
        with zipfile.ZipFile(source) as archive:  # a file object passed in stays open
            names = set(archive.namelist())
        return "xlsx" if "xl/workbook.xml" in names else None
    if head.startswith(_NOT_CSV_SIGNATURES) or b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Only a character cut at the end of the sample is forgiven.
        if len(head) < SNIFF_BYTES or exc.reason != "unexpected end of data":
            return None
    return "csv"


def csv_delimiter(first_line: str) -> str:
    if first_line.count(";") > first_line.count(",") and first_line.count(";") > 0:
        return ";"
    return ","


def read_header(path: Path, file_format: str) -> list[str]:
    with path.open("rb") as fh:
        return upload_header(fh, file_format)


def upload_header(source: BinaryIO, file_format: str) -> list[str]:
    """The header row of a file object (seekable, read from its start; it is left open)."""
    source.seek(0)
    if file_format == "csv":
        text = csv_text(source)
        try:
            return csv_header(text)
        finally:
            text.detach()  # a wrapper closes what it wraps when it goes away
    for row in iter_xlsx(source, header=True):
        return row
    raise HeaderProblem("the file has no header row")


def csv_header(fh: TextIO) -> list[str]:
    """The header of a CSV text stream at its start: its first line."""
    first = fh.readline()
    if not first.strip():
        raise HeaderProblem("the file has no header row")
    return next(csv.reader(io.StringIO(first), delimiter=csv_delimiter(first)), [])


def iter_csv(fh: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each data row of a CSV text stream at its start; the header is
    row 1. Blank lines are skipped; a record that cannot be read is `[CSV_ERROR, reason]`."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    first = fh.readline()
    reader = csv.reader(fh, delimiter=csv_delimiter(first))
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            yield row_number, [CSV_ERROR, f"malformed CSV: {exc}"]
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        row_number += 1
        yield row_number, cells


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def iter_xlsx(source: Path | BinaryIO, *, header: bool = False) -> Iterator[list[str]]:
    """Rows of the first sheet as strings (read-only mode: memory stays flat); a file object
    passed in is read from where it is and left open."""
    from openpyxl import load_workbook

    # A file object: openpyxl would judge a path by its extension.
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        if handle is not source:
            handle.close()
        raise HeaderProblem(f"the workbook cannot be read ({type(exc).__name__})") from exc
    try:
        if not workbook.worksheets:
            raise HeaderProblem("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        # The rows the sheet holds, not the rows its `dimension` claims: read-only mode trusts
        # that header, and a writer that gets it wrong (A1:G2 over 6 rows) would lose rows.
        sheet.reset_dimensions()
        for values in _sheet_rows(sheet):
            cells = [_xlsx_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if not cells:
                if header:
                    continue
                yield []
                continue
            yield cells
            if header:
                return
    finally:
        workbook.close()
        if handle is not source:
            handle.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; a sheet that breaks off (malformed XML, a bad cell) says where."""
    rows = sheet.iter_rows(values_only=True)
    read = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl and its XML parser raise many kinds
            raise HeaderProblem(
                f"sheet {sheet.title!r} cannot be read after row {read} "
                f"({type(exc).__name__}: {exc})"
            ) from exc
        read += 1
        yield values


def iter_rows(path: Path, file_format: str) -> Iterator[tuple[int, list[str]]]:
    """Data rows as (row number, cells). CSV: record number with the header as 1; XLSX: the
    sheet's own row number. Blank rows are skipped."""
    if file_format == "csv":
        with open_csv(path) as fh:
            yield from iter_csv(fh)
        return
    header_seen = False
    for sheet_row, cells in enumerate(iter_xlsx(path), start=1):
        if not cells:
            continue
        if not header_seen:
            header_seen = True
            continue
        yield sheet_row, cells


def open_csv(path: Path) -> TextIO:
    """Undecodable bytes read as U+FFFD (refused per cell); a UTF-8 BOM is dropped."""
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def csv_text(raw: BinaryIO) -> io.TextIOWrapper:
    """A CSV's byte stream (an upload read back from the database) read as `open_csv` reads
    a file."""
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
