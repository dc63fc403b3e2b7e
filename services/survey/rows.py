"""Reading import files and validating rows against a survey definition (pure, no I/O on DB).

The import format (README, "Survey import format"): a header row; `respondent_id`, `wave`
(`YYYY-Qn`) or `interview_date` (ISO date, the wave is derived), `area`, `age_band`, `sex`,
`ethnicity` (optional), `weight` (optional, default 1), then one column per question code. A
cell holds the answer code or its label, in any case; an empty cell is no answer.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from services.survey.definitions import QuestionDef, SurveyDef
from shared.contracts.survey import london_date, wave_of_date
from shared.db import utcnow

REQUIRED = ("respondent_id", "area", "age_band", "sex")
OPTIONAL = ("ethnicity", "weight")
WAVE_COLUMNS = ("wave", "interview_date")
BASE_COLUMNS = ("respondent_id", "wave", "interview_date", "area", "age_band", "sex", "ethnicity")
# Staging layout: row_no, then these, then weight, then the question columns of the file.
STAGE_BASE = ("row_no", *BASE_COLUMNS, "weight")
LIMITS = {"respondent_id": 100, "area": 60, "age_band": 20, "sex": 20, "ethnicity": 60}
TEXT_LIMIT = 4000
MAX_WEIGHT = 1_000_000.0
FIRST_YEAR = 1990
_CACHE_LIMIT = 20_000

RowError = tuple[int, str, str]  # (row number, column, reason)
# Plain decimal numbers (an exponent of at most two digits): what every backend parses alike.
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
WEIGHT_RE = re.compile(r"[+-]?(\d{1,10}(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?")


def london_today() -> date:
    """Today in Europe/London, where waves are reckoned: a wave or interview date is in the
    future only after local midnight, not UTC's (an hour apart in summer)."""
    return london_date(utcnow())


class HeaderProblem(Exception):
    """The file cannot be imported at all: no header, missing columns, unreadable."""

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


@dataclass(frozen=True)
class HeaderPlan:
    header: list[str]
    present_base: list[str]
    questions: list[tuple[int, QuestionDef]]
    ignored: list[str]

    @property
    def stage_columns(self) -> list[str]:
        return [*STAGE_BASE, *(q.column for _, q in self.questions)]

    @property
    def update_columns(self) -> list[str]:
        """Columns an update may change: those the file carries (wave/date as a pair)."""
        out = ["wave", "interview_date"]
        out += [c for c in ("area", "age_band", "sex", "ethnicity", "weight") if c in self.present]
        out += [q.column for _, q in self.questions]
        return out

    @property
    def present(self) -> set[str]:
        return set(self.present_base)


# NUL too: PostgreSQL cannot store it, so such a row takes the full path and is refused there.
_COPY_SPECIAL = re.compile("[\\\\\t\n\r\ufffd\x00]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def normalise_name(name: Any) -> str:
    return str(name if name is not None else "").strip().lstrip("\ufeff").strip().lower()


def plan_header(survey: SurveyDef, raw_header: Sequence[Any]) -> HeaderPlan:
    header = [normalise_name(h) for h in raw_header]
    if not any(header):
        raise HeaderProblem("the file has no header row")
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise HeaderProblem(f"column {name!r} appears twice in the header")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if not any(c in seen for c in WAVE_COLUMNS):
        missing.append("wave or interview_date")
    by_code = {q.code.lower(): q for q in survey.questions}
    questions = [(i, by_code[name]) for i, name in enumerate(header) if name in by_code]
    if not questions:
        missing.append(
            "at least one question column (" + ", ".join(q.code for q in survey.questions) + ")"
        )
    if missing:
        raise HeaderProblem("missing required columns: " + ", ".join(missing), missing)
    known = set(BASE_COLUMNS) | {"weight"} | set(by_code)
    ignored = [h for h in header if h and h not in known]
    present_base = [c for c in (*BASE_COLUMNS, "weight") if c in seen]
    return HeaderPlan(header, present_base, questions, ignored)


# PostgreSQL cannot store NUL in text (SQLite can): refused in every import alike.
NUL_MESSAGE = "contains the NUL character (U+0000)"


def _text_problem(text: str, limit: int) -> str | None:
    """Why a text cell cannot be stored as it is, or None."""
    if len(text) > limit:
        return f"is longer than {limit} characters"
    if "\ufffd" in text:
        # Undecodable bytes all read as U+FFFD: two different ids could become one.
        return "is not valid UTF-8 text"
    if "\x00" in text:
        return NUL_MESSAGE
    return None


class RowValidator:
    """Turns the cells of one row into a staging record, or reasons why it cannot be stored."""

    def __init__(self, plan: HeaderPlan, *, today: date) -> None:
        self.plan = plan
        index = {name: i for i, name in enumerate(plan.header) if name}
        self.width = len(plan.header)
        self.i_id = index["respondent_id"]
        self.i_wave = index.get("wave")
        self.i_date = index.get("interview_date")
        self.i_area = index["area"]
        self.i_age = index["age_band"]
        self.i_sex = index["sex"]
        self.i_eth = index.get("ethnicity")
        self.i_weight = index.get("weight")
        self.today = today
        self.latest_wave = wave_of_date(today)
        self.choices: list[tuple[int, str, dict[str, int], dict[str, int | None], str]] = []
        self.texts: list[tuple[int, str]] = []
        self.layout: list[tuple[str, int]] = []
        for i, question in plan.questions:
            if question.kind == "single_choice":
                codes = ", ".join(o.code for o in question.options)
                self.layout.append(("c", len(self.choices)))
                self.choices.append((i, question.code, question.lookup(), {}, codes))
            else:
                self.layout.append(("t", len(self.texts)))
                self.texts.append((i, question.code))
        self._waves: dict[str, str | None] = {}
        self._dates: dict[str, tuple[date, str] | None] = {}
        self.good_waves: dict[str, str] = {}
        self.good_dates: dict[str, tuple[date, str]] = {}
        self._line_prefix = ""
        self._line_suffix = ""
        self._line_caches: list[dict[str, str]] = [{"": "\\N"} for _ in self.choices]
        self._fast = self._compile_fast()
        self._fast_line: Any = None

    def enable_lines(self, prefix: Sequence[str], suffix: Sequence[str]) -> None:
        """Also produce rows as PostgreSQL COPY text lines: `prefix` columns, the row's values
        (without the row number), then `suffix` columns."""
        self._line_prefix = "".join(f"{_copy_text(v)}\t" for v in prefix)
        self._line_suffix = "".join(f"\t{_copy_text(v)}" for v in suffix) + "\n"
        self._fast_line = self._compile_fast(lines=True)

    @property
    def fast_line(self) -> Any:
        """The specialised line maker: a line, or None (then call `validate_line`)."""
        return self._fast_line

    def validate_line(
        self, row_number: int, cells: Sequence[str]
    ) -> tuple[str | None, list[RowError]]:
        line = self._fast_line(row_number, cells)
        if line is not None:
            return line, []
        return self.slow_line(row_number, cells)

    def slow_line(self, row_number: int, cells: Sequence[str]) -> tuple[str | None, list[RowError]]:
        record, errors = self._validate(row_number, cells)
        if record is None:
            return None, errors
        body = "\t".join(_copy_text(v) for v in record[1:])
        return self._line_prefix + body + self._line_suffix, errors

    def _compile_fast(self, *, lines: bool = False) -> Any:
        """A validator specialised to this header for rows whose every value is already known
        to be good (cached waves, dates and answers); any other row returns None and takes the
        full path, which names each problem. With `lines`, it returns the COPY text line."""
        source = ["def fast(row_number, cells):"]
        add = source.append
        add(f"    if len(cells) != {self.width}: return None")
        if lines:  # values needing COPY escapes take the full path (so does bad UTF-8)
            add("    if SPECIAL(''.join(cells)) is not None: return None")
        add("    " + ", ".join(f"c{i}" for i in range(self.width)) + ", = cells")
        add(f"    rid = cells[{self.i_id}].strip()")
        add(
            f"    if not rid or len(rid) > {LIMITS['respondent_id']} or BAD in rid or NUL in rid:"
            " return None"
        )
        if self.i_wave is not None and self.i_date is not None:
            add(f"    wc = cells[{self.i_wave}]")
            add(f"    dc = cells[{self.i_date}]")
            add("    if dc:")
            add("        if wc: return None")
            add("        hit = DATES.get(dc)")
            add("        if hit is None: return None")
            add("        day, wave = hit")
            add("    else:")
            add("        wave = WAVES.get(wc)")
            add("        if wave is None: return None")
            add("        day = None")
        elif self.i_wave is not None:
            add(f"    wave = WAVES.get(cells[{self.i_wave}])")
            add("    if wave is None: return None")
            add("    day = None")
        else:
            add(f"    hit = DATES.get(cells[{self.i_date}])")
            add("    if hit is None: return None")
            add("    day, wave = hit")
        names = []
        for name, i in (
            ("area", self.i_area),
            ("age_band", self.i_age),
            ("sex", self.i_sex),
            ("ethnicity", self.i_eth),
        ):
            var = f"d_{name}"
            names.append(var)
            if i is None:
                add(f"    {var} = None")
                continue
            add(f"    {var} = cells[{i}].strip()")
            if lines:
                add(f"    if len({var}) > {LIMITS[name]}: return None")
            else:
                add(
                    f"    if len({var}) > {LIMITS[name]} or BAD in {var} or NUL in {var}:"
                    " return None"
                )
                add(f"    {var} = {var} or None")
        if self.i_weight is not None:
            add(f"    wc = cells[{self.i_weight}].strip()")
            add("    if wc:")
            # Exponents and anything unusual take the full path (the same rule as WEIGHT_RE).
            add("        if not wc.isascii() or '_' in wc or 'e' in wc or 'E' in wc: return None")
            add("        try:")
            add("            weight = float(wc)")
            add("        except ValueError:")
            add("            return None")
            add(f"        if not (0.0 < weight <= {MAX_WEIGHT!r}): return None")
            add("    else:")
            add("        weight = 1.0")
        else:
            add("    wc = ''")
            add("    weight = 1.0")
        answers = []
        for n, (kind, k) in enumerate(self.layout):
            var = f"a{n}"
            answers.append(var)
            if kind == "c" and lines:
                # L<k>: cell -> the answer position as COPY text ("" -> \N); misses: None.
                add(f"    {var} = L{k}.get(cells[{self.choices[k][0]}])")
                add(f"    if {var} is None: return None")
            elif kind == "c":
                i = self.choices[k][0]
                add(f"    x = cells[{i}]")
                add(f"    {var} = C{k}.get(x, -1) if x else None")
                add(f"    if {var} is not None and {var} < 0: return None")
            else:
                i = self.texts[k][0]
                add(f"    {var} = cells[{i}].strip()")
                if lines:
                    add(f"    if len({var}) > {TEXT_LIMIT}: return None")
                else:
                    add(
                        f"    if len({var}) > {TEXT_LIMIT} or BAD in {var} or NUL in {var}:"
                        " return None"
                    )
                    add(f"    {var} = {var} or None")
        if lines:
            day = "N" if self.i_date is None else "(str(day) if day is not None else N)"
            parts = ["rid", "wave", day]
            parts += [f"({var} or N)" for var in names]
            parts.append("(wc or '1')")
            for n, (kind, _) in enumerate(self.layout):
                var = answers[n]
                parts.append(var if kind == "c" else f"({var} or N)")
            add(f"    return PREFIX + '\\t'.join(({', '.join(parts)},)) + SUFFIX")
        else:
            values = ", ".join(["row_number", "rid", "wave", "day", *names, "weight", *answers])
            add(f"    return ({values},)")
        # Cells as locals (one unpack instead of an index per use).
        source[2:] = [re.sub(r"cells\[(\d+)\]", r"c\1", line) for line in source[2:]]
        namespace: dict[str, Any] = {
            "N": "\\N",
            "S": [str(i) for i in range(100)],
            "PREFIX": self._line_prefix,
            "SUFFIX": self._line_suffix,
            "WAVES": self.good_waves,
            "DATES": self.good_dates,
            "WEIGHT": WEIGHT_RE.fullmatch,
            "BAD": "\ufffd",
            "NUL": "\x00",
            "SPECIAL": _COPY_SPECIAL.search,
        }
        for k, choice in enumerate(self.choices):
            namespace[f"C{k}"] = choice[3]
            namespace[f"L{k}"] = self._line_caches[k]
        exec(compile("\n".join(source), "<survey-row-validator>", "exec"), namespace)
        return namespace["fast"]

    def _wave(self, cell: str) -> str | None:
        hit = self._waves.get(cell, "")
        if hit != "":
            return hit
        value = cell.strip().upper()
        ok = (
            len(value) == 7
            and value[:4].isdigit()
            and value[4:6] == "-Q"
            and value[6] in "1234"
            and int(value[:4]) >= FIRST_YEAR
        )
        result = value if ok else None
        if len(self._waves) < _CACHE_LIMIT:
            self._waves[cell] = result
        return result

    def _date(self, cell: str) -> tuple[date, str] | None:
        if cell in self._dates:
            return self._dates[cell]
        value = cell.strip()
        day: date | None = None
        if _DATE_RE.match(value) and (len(value) == 10 or value[10] in "T "):
            try:
                day = date.fromisoformat(value[:10])
            except ValueError:
                day = None
        result = (day, wave_of_date(day)) if day is not None else None
        if len(self._dates) < _CACHE_LIMIT:
            self._dates[cell] = result
        return result

    def validate(
        self, row_number: int, cells: Sequence[str]
    ) -> tuple[tuple[Any, ...] | None, list[RowError]]:
        record = self._fast(row_number, cells)
        if record is not None:
            return record, []
        return self._validate(row_number, cells)

    def _validate(
        self, row_number: int, cells: Sequence[str]
    ) -> tuple[tuple[Any, ...] | None, list[RowError]]:
        errors: list[RowError] = []
        if len(cells) < self.width:
            cells = [*cells, *([""] * (self.width - len(cells)))]
        elif len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            errors.append(
                (row_number, "(row)", f"{len(cells)} cells but the header has {self.width}")
            )
        respondent = cells[self.i_id].strip()
        problem = _text_problem(respondent, LIMITS["respondent_id"]) if respondent else "is empty"
        if problem is not None:
            errors.append((row_number, "respondent_id", problem))

        wave: str | None = None
        interview: date | None = None
        wave_cell = cells[self.i_wave].strip() if self.i_wave is not None else ""
        date_cell = cells[self.i_date].strip() if self.i_date is not None else ""
        if wave_cell:
            wave = self._wave(wave_cell)
            if wave is None:
                errors.append((row_number, "wave", f"{wave_cell!r} is not a wave like 2022-Q3"))
            elif wave > self.latest_wave:
                errors.append((row_number, "wave", f"{wave} is in the future"))
                wave = None
            elif len(self.good_waves) < _CACHE_LIMIT and self.i_wave is not None:
                self.good_waves[cells[self.i_wave]] = wave
        if date_cell:
            parsed = self._date(date_cell)
            if parsed is None:
                errors.append(
                    (row_number, "interview_date", f"{date_cell!r} is not a date like 2022-09-14")
                )
            else:
                interview, date_wave = parsed
                if interview > self.today:
                    errors.append((row_number, "interview_date", f"{interview} is in the future"))
                elif interview.year < FIRST_YEAR:
                    errors.append((row_number, "interview_date", f"{interview} is too early"))
                elif wave is not None and wave != date_wave:
                    errors.append(
                        (
                            row_number,
                            "interview_date",
                            f"{interview} is in {date_wave}, not in wave {wave}",
                        )
                    )
                elif wave is None and not wave_cell:
                    wave = date_wave
                    if len(self.good_dates) < _CACHE_LIMIT and self.i_date is not None:
                        self.good_dates[cells[self.i_date]] = (interview, date_wave)
        if not wave_cell and not date_cell:
            column = "wave" if self.i_wave is not None else "interview_date"
            errors.append((row_number, column, "give the wave or the interview date"))

        demographics: list[str | None] = []
        for name, i in (
            ("area", self.i_area),
            ("age_band", self.i_age),
            ("sex", self.i_sex),
            ("ethnicity", self.i_eth),
        ):
            value = cells[i].strip() if i is not None else ""
            problem = _text_problem(value, LIMITS[name])
            if problem is not None:
                errors.append((row_number, name, problem))
            demographics.append(value or None)

        weight = 1.0
        if self.i_weight is not None:
            weight_cell = cells[self.i_weight].strip()
            if weight_cell:
                if WEIGHT_RE.fullmatch(weight_cell) is None:
                    errors.append((row_number, "weight", f"{weight_cell!r} is not a number"))
                else:
                    weight = float(weight_cell)
                    if not (math.isfinite(weight) and 0.0 < weight <= MAX_WEIGHT):
                        errors.append(
                            (row_number, "weight", f"{weight_cell} is not a positive weight")
                        )

        answers: list[int | str | None] = []
        for kind, k in self.layout:
            if kind == "c":
                i, code, lookup, cache, codes = self.choices[k]
                cell = cells[i]
                if not cell:
                    answers.append(None)
                    continue
                position = cache.get(cell, -1)
                if position == -1:
                    key = cell.strip().lower()
                    position = lookup.get(key) if key else None
                    if key and position is None:
                        position = -2
                    if len(cache) < _CACHE_LIMIT:
                        cache[cell] = position
                if position == -2:
                    errors.append(
                        (row_number, code, f"{cell.strip()!r} is not an answer (one of {codes})")
                    )
                    answers.append(None)
                else:
                    answers.append(position)
                    line_cache = self._line_caches[k]
                    if len(line_cache) < _CACHE_LIMIT:
                        line_cache[cell] = "\\N" if position is None else str(position)
            else:
                i, code = self.texts[k]
                text = cells[i].strip()
                problem = _text_problem(text, TEXT_LIMIT)
                if problem is not None:
                    errors.append((row_number, code, problem))
                answers.append(text or None)
        if errors:
            return None, errors
        return (
            row_number,
            respondent,
            wave,
            interview,
            *demographics,
            weight,
            *answers,
        ), errors


# --- file formats -------------------------------------------------------------------------


SNIFF_BYTES = 4096
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


def sniff_format(path: Path) -> str | None:
    """`csv`, `xlsx` or None (neither), from the file's own bytes.

    The declared media type and the file name are not trusted: browsers send a `.csv` as
    `application/vnd.ms-excel` where Excel is installed, or as `application/octet-stream`.
    An XLSX workbook is a zip archive holding `xl/workbook.xml`; anything else must be text
    that decodes as UTF-8 (a BOM is allowed), without NUL bytes.
    """
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(path):
            return None
        with zipfile.ZipFile(path) as archive:
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


def _csv_dialect(first_line: str) -> str:
    if first_line.count(";") > first_line.count(",") and first_line.count(";") > 0:
        return ";"
    return ","


def read_header(path: Path, file_format: str) -> list[str]:
    if file_format == "csv":
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            first = fh.readline()
            if not first.strip():
                raise HeaderProblem("the file has no header row")
            return next(csv.reader(io.StringIO(first), delimiter=_csv_dialect(first)), [])
    for row in iter_xlsx(path, header=True):
        return row
    raise HeaderProblem("the file has no header row")


def iter_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each data row; the header is row 1. Blank lines are skipped."""
    csv.field_size_limit(1_000_000)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
        reader = csv.reader(fh, delimiter=_csv_dialect(first))
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


def iter_xlsx(path: Path, *, header: bool = False) -> Iterator[list[str]]:
    """Rows of the first sheet as strings (read-only mode: memory stays flat)."""
    from openpyxl import load_workbook

    handle = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
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


CSV_ERROR = "\x00csv"


def iter_rows(path: Path, file_format: str) -> Iterator[tuple[int, list[str]]]:
    """Data rows as (row number, cells). CSV: record number with the header as 1; XLSX: the
    sheet's own row number. Blank rows are skipped."""
    if file_format == "csv":
        yield from iter_csv(path)
        return
    header_seen = False
    for sheet_row, cells in enumerate(iter_xlsx(path), start=1):
        if not cells:
            continue
        if not header_seen:
            header_seen = True
            continue
        yield sheet_row, cells
