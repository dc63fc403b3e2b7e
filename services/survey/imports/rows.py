"""Validating import rows against a survey definition (pure, no I/O). Files: `files`.

The import format (README, "Survey import format"): a header row; `respondent_id`, `wave`
(`YYYY-Qn`) or `interview_date` (ISO date, the wave is derived), `area`, `age_band`, `sex`,
`ethnicity` (optional), `weight` (optional, default 1), then one column per question code. A
cell holds the answer code or its label, in any case; an empty cell is no answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from operator import getitem, itemgetter
from typing import Any

from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import london_date, wave_of_date
from shared.db import utcnow

REQUIRED = ("respondent_id", "area", "age_band", "sex")
OPTIONAL = ("ethnicity", "weight")
WAVE_COLUMNS = ("wave", "interview_date")
BASE_COLUMNS = ("respondent_id", "wave", "interview_date", "area", "age_band", "sex", "ethnicity")
# Staging layout: row_no, then these, then weight, then the question columns of the file.
STAGE_BASE = ("row_no", *BASE_COLUMNS, "weight")
LIMITS = {"respondent_id": 100, "area": 60, "age_band": 20, "sex": 20, "ethnicity": 60}
_ID = LIMITS["respondent_id"]
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


# The cells of a CSV record that could not be read: `[CSV_ERROR, reason]`.
CSV_ERROR = "\x00csv"


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


# Characters a respondent id must not hold (bad UTF-8, NUL) or that COPY text escapes.
_NOT_PLAIN = re.compile("[\\\\\t\n\r\ufffd\x00]")
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


# One rule per cell: the cell's staged values and their COPY text, or (column, reason) problems.
Accepted = tuple[tuple[Any, ...], str]
Problems = list[tuple[str, str]]
CellRule = Callable[[Any], Accepted | Problems]


class _Memo(dict[Any, Any]):
    """Accepted cells -> their staged values (or COPY text). A cell not in it is looked up
    through `on_miss`: its rule, giving None when the cell has a problem (the row then takes
    the full check, which names it). So the row loops index memos from C code (`getitem`) and
    run Python code only for cells not seen before."""

    __slots__ = ("on_miss",)

    def __init__(self, on_miss: Callable[[Any], Any]) -> None:
        super().__init__()
        self.on_miss = on_miss

    def __missing__(self, cell: Any) -> Any:
        return self.on_miss(cell)


@dataclass
class _Part:
    """One rule of a row: a cell (or the wave/date pair) -> one or more staged columns.

    Columns the file does not carry are constants appended to the part before them (`tail`),
    so each row is one lookup per part. Accepted cells are remembered (`values`, `texts`):
    survey cells repeat (waves, areas, answer codes), so most rows are dictionary look-ups.
    """

    rule: CellRule
    width: int = 1  # staged columns the rule itself makes
    tail_values: tuple[Any, ...] = ()
    tail_text: str = ""
    values: _Memo = field(init=False)
    texts: _Memo = field(init=False)

    def __post_init__(self) -> None:
        self.values = _Memo(self._values_of_new_cell)
        self.texts = _Memo(self._text_of_new_cell)

    def resolve(self, cell: Any) -> Accepted | Problems:
        values = self.values.get(cell)
        if values is not None:
            return values, self.texts[cell]
        outcome = self.rule(cell)
        if isinstance(outcome, list):
            return outcome
        values = outcome[0] + self.tail_values
        line = outcome[1] + self.tail_text
        if len(self.values) < _CACHE_LIMIT:
            self.values[cell] = values
            self.texts[cell] = line
        return values, line

    def _values_of_new_cell(self, cell: Any) -> tuple[Any, ...] | None:
        outcome = self.resolve(cell)
        return None if isinstance(outcome, list) else outcome[0]

    def _text_of_new_cell(self, cell: Any) -> str | None:
        outcome = self.resolve(cell)
        return None if isinstance(outcome, list) else outcome[1]


def _text_cell(column: str, limit: int) -> CellRule:
    def rule(cell: str) -> Accepted | Problems:
        value = cell.strip()
        problem = _text_problem(value, limit)
        if problem is not None:
            return [(column, problem)]
        return (value or None,), _copy_text(value or None)

    return rule


class RowValidator:
    """The one validator of import rows (files and the JSON responses endpoint alike).

    Rows are checked a batch at a time, column by column: the cells of a column go through
    their part's memo (C-level look-ups), and only cells not seen before meet the part's rule.
    A row becomes a staging record (`validate_rows`) or a PostgreSQL COPY text line
    (`validate_lines`, after `enable_lines`), or the reasons it cannot be stored, each naming
    its column, in the row's column order.
    """

    def __init__(self, plan: HeaderPlan, *, today: date) -> None:
        self.plan = plan
        index = {name: i for i, name in enumerate(plan.header) if name}
        self.width = len(plan.header)
        self.today = today
        self.latest_wave = wave_of_date(today)
        self.i_id = index["respondent_id"]
        self._line_prefix = ""
        self._line_suffix = "\n"
        i_wave, i_date = index.get("wave"), index.get("interview_date")
        self._pair = (i_wave, i_date) if i_wave is not None and i_date is not None else None
        parts: list[_Part] = [_Part(self._wave_and_date(i_wave, i_date), width=2)]
        first = i_wave if i_wave is not None else i_date
        assert first is not None, "plan_header requires the wave or the interview date"
        sources: list[int] = [first]
        for name in ("area", "age_band", "sex", "ethnicity"):
            self._add(parts, sources, index.get(name), _text_cell(name, LIMITS[name]), (None,))
        self._add(parts, sources, index.get("weight"), self._weight, (1.0,))
        for i, question in plan.questions:
            if question.kind == "single_choice":
                self._add(parts, sources, i, self._choice(question), (None,))
            else:
                self._add(parts, sources, i, _text_cell(question.code, TEXT_LIMIT), (None,))
        self._parts = parts
        self._value_memos = [part.values for part in parts]
        self._text_memos = [part.texts for part in parts]
        pick = itemgetter(*sources)
        if self._pair is None:
            contiguous = sources == list(range(sources[0], sources[0] + len(sources)))
            # The file's columns in the staging order (as the README lists them): a slice.
            self._keys_of: Callable[[Sequence[str]], Sequence[Any]] = (
                itemgetter(slice(sources[0], sources[0] + len(sources))) if contiguous else pick
            )
        else:
            i_wave_of_pair, i_date_of_pair = self._pair

            def pair_keys(cells: Sequence[str]) -> Sequence[Any]:
                return ((cells[i_wave_of_pair], cells[i_date_of_pair]), *pick(cells)[1:])

            self._keys_of = pair_keys

    @staticmethod
    def _add(
        parts: list[_Part],
        sources: list[int],
        i: int | None,
        rule: CellRule,
        absent: tuple[Any, ...],
    ) -> None:
        if i is None:  # not in the file: a constant after the previous part
            parts[-1].tail_values += absent
            parts[-1].tail_text += "\t" + _copy_text(absent[0])
            return
        parts.append(_Part(rule))
        sources.append(i)

    def enable_lines(self, prefix: Sequence[str], suffix: Sequence[str]) -> None:
        """Make `validate_lines` produce COPY text lines: `prefix` columns, the row's values
        (without the row number), then `suffix` columns."""
        self._line_prefix = "".join(f"{_copy_text(v)}\t" for v in prefix)
        self._line_suffix = "".join(f"\t{_copy_text(v)}" for v in suffix) + "\n"

    # --- rows ---------------------------------------------------------------------------
    # A row is a look-up per column, done by C code (`map(getitem, memos, ...)`); a cell not
    # seen before meets its rule through the memo's `__missing__`. A row with a problem (a
    # memo gives None) goes through `_check_row`, which applies each rule and names each
    # problem.

    def validate(
        self, row_number: int, cells: Sequence[str]
    ) -> tuple[tuple[Any, ...] | None, list[RowError]]:
        """One row: its staging record, or None and its problems."""
        records, errors, _ = self.validate_rows([(row_number, cells)])
        return (records[0] if records else None), errors

    def validate_rows(
        self, rows: Iterable[tuple[int, Sequence[str]]]
    ) -> tuple[list[tuple[Any, ...]], list[RowError], int]:
        """Staging records of the good rows: (row number, respondent, wave, interview date,
        area, age band, sex, ethnicity, weight, answers...); the bad rows' problems; how many
        rows were read."""
        records: list[tuple[Any, ...]] = []
        errors: list[RowError] = []
        memos, keys_of, width, i_id = self._value_memos, self._keys_of, self.width, self.i_id
        append, plain, limit = records.append, _NOT_PLAIN.search, _ID
        bad = 0
        for row_number, cells in rows:
            if len(cells) == width:
                respondent = cells[i_id].strip()
                if respondent and len(respondent) <= limit and plain(respondent) is None:
                    # A cell with a problem gives None, which `chain` refuses: then the full check.
                    try:
                        found = map(getitem, memos, keys_of(cells))
                        append(tuple(chain((row_number, respondent), *found)))
                        continue
                    except TypeError:
                        pass
            checked = self._check_row(row_number, cells, errors, texts=False)
            if checked is None:
                bad += 1
            else:
                append(tuple(chain((row_number, checked[0]), *checked[1])))
        return records, errors, len(records) + bad

    def validate_lines(
        self, rows: Iterable[tuple[int, Sequence[str]]]
    ) -> tuple[str, list[RowError], int, int]:
        """The good rows as COPY text (see `enable_lines`); the bad rows' problems; how many
        rows were read; how many were bad."""
        lines: list[str] = []  # each without the prefix and suffix columns
        errors: list[RowError] = []
        memos, keys_of, width, i_id = self._text_memos, self._keys_of, self.width, self.i_id
        append, join, plain, limit = lines.append, "\t".join, _NOT_PLAIN.search, _ID
        bad = 0
        for row_number, cells in rows:
            if len(cells) == width:
                respondent = cells[i_id].strip()
                if respondent and len(respondent) <= limit and plain(respondent) is None:
                    try:  # a memo miss is None, which `join` refuses: then the full check
                        append(f"{respondent}\t{join(map(getitem, memos, keys_of(cells)))}")
                        continue
                    except TypeError:
                        pass
            checked = self._check_row(row_number, cells, errors, texts=True)
            if checked is None:
                bad += 1
            else:
                append(f"{_copy_text(checked[0])}\t{join(checked[1])}")
        read = len(lines) + bad
        if not lines:
            return "", errors, read, bad
        prefix, suffix = self._line_prefix, self._line_suffix
        return prefix + (suffix + prefix).join(lines) + suffix, errors, read, bad

    def _check_row(
        self, row_number: int, cells: Sequence[str], errors: list[RowError], *, texts: bool
    ) -> tuple[str, list[Any]] | None:
        """Every rule of the row: (respondent, each part's values or COPY text), or None with
        the row's problems added to `errors` in column order."""
        if cells and cells[0] == CSV_ERROR:
            errors.append((row_number, "(row)", cells[1]))
            return None
        problems: list[RowError] = []
        width = self.width
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        elif len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append((row_number, "(row)", f"{len(cells)} cells but the header has {width}"))
        respondent = cells[self.i_id].strip()
        problem = _text_problem(respondent, LIMITS["respondent_id"]) if respondent else "is empty"
        if problem is not None:
            problems.append((row_number, "respondent_id", problem))
        found: list[Any] = []
        for part, key in zip(self._parts, self._keys_of(cells), strict=True):
            outcome = part.resolve(key)
            if isinstance(outcome, list):
                problems.extend((row_number, column, reason) for column, reason in outcome)
            else:
                found.append(outcome[1] if texts else outcome[0])
        if problems:
            errors.extend(problems)
            return None
        return respondent, found

    # --- rules ---------------------------------------------------------------------------

    @staticmethod
    def _respondent(row_number: int, cell: str, errors: list[RowError]) -> str:
        respondent = cell.strip()
        problem = _text_problem(respondent, LIMITS["respondent_id"]) if respondent else "is empty"
        if problem is not None:
            errors.append((row_number, "respondent_id", problem))
        return respondent

    def _wave_and_date(self, i_wave: int | None, i_date: int | None) -> CellRule:
        """The wave/date rule over the cell of whichever column the file has (both: a pair)."""

        def rule(key: Any) -> Accepted | Problems:
            if i_wave is not None and i_date is not None:
                wave_raw, date_raw = key
            elif i_wave is not None:
                wave_raw, date_raw = key, ""
            else:
                wave_raw, date_raw = "", key
            return self.wave_and_date(
                wave_raw.strip(), date_raw.strip(), has_wave=i_wave is not None
            )

        return rule

    def wave_and_date(
        self, wave_cell: str, date_cell: str, *, has_wave: bool
    ) -> Accepted | Problems:
        """A row's wave: given, or derived from the interview date; both given must agree."""
        problems: Problems = []
        wave: str | None = None
        interview: date | None = None
        if wave_cell:
            wave = parse_wave(wave_cell)
            if wave is None:
                problems.append(("wave", f"{wave_cell!r} is not a wave like 2022-Q3"))
            elif wave > self.latest_wave:
                problems.append(("wave", f"{wave} is in the future"))
                wave = None
        if date_cell:
            interview = parse_interview_date(date_cell)
            if interview is None:
                problems.append(("interview_date", f"{date_cell!r} is not a date like 2022-09-14"))
            else:
                date_wave = wave_of_date(interview)
                if interview > self.today:
                    problems.append(("interview_date", f"{interview} is in the future"))
                elif interview.year < FIRST_YEAR:
                    problems.append(("interview_date", f"{interview} is too early"))
                elif wave is not None and wave != date_wave:
                    problems.append(
                        ("interview_date", f"{interview} is in {date_wave}, not in wave {wave}")
                    )
                elif wave is None and not wave_cell:
                    wave = date_wave
        if not wave_cell and not date_cell:
            problems.append(
                ("wave" if has_wave else "interview_date", "give the wave or the interview date")
            )
        if problems:
            return problems
        return (wave, interview), f"{wave}\t{_copy_text(interview)}"

    @staticmethod
    def _weight(cell: str) -> Accepted | Problems:
        """Optional; default 1. A plain decimal number, above 0 and at most MAX_WEIGHT."""
        value = cell.strip()
        if not value:
            return (1.0,), "1"
        if WEIGHT_RE.fullmatch(value) is None:
            return [("weight", f"{value!r} is not a number")]
        weight = float(value)
        if not (math.isfinite(weight) and 0.0 < weight <= MAX_WEIGHT):
            return [("weight", f"{value} is not a positive weight")]
        return (weight,), value  # the text as given: PostgreSQL reads it as the same double

    @staticmethod
    def _choice(question: QuestionDef) -> CellRule:
        """An answer code or label, in any case; an empty cell is no answer."""
        lookup = question.lookup()
        codes = ", ".join(o.code for o in question.options)

        def rule(cell: str) -> Accepted | Problems:
            key = cell.strip().lower()
            if not key:
                return (None,), "\\N"
            position = lookup.get(key)
            if position is None:
                return [(question.code, f"{cell.strip()!r} is not an answer (one of {codes})")]
            return (position,), str(position)

        return rule


def parse_wave(value: str) -> str | None:
    """`YYYY-Qn` (any case) from FIRST_YEAR on, upper-cased; None when it is not one."""
    value = value.upper()
    ok = (
        len(value) == 7
        and value[:4].isdigit()
        and value[4:6] == "-Q"
        and value[6] in "1234"
        and int(value[:4]) >= FIRST_YEAR
    )
    return value if ok else None


def parse_interview_date(value: str) -> date | None:
    """An ISO date, optionally followed by a time (`T` or a space), which is ignored."""
    if _DATE_RE.match(value) and (len(value) == 10 or value[10] in "T "):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
