"""Validating import rows against a survey definition (pure, no I/O): the one row validator,
`RowValidator`, of files and of responses sent as JSON alike. The header: `header`; reading
files: `files`.

A cell holds the answer code or its label, in any case; an empty cell is no answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from itertools import chain
from operator import getitem, itemgetter
from typing import Any

from services.survey.imports.cells import (
    NOT_PLAIN,
    Accepted,
    CellRule,
    Part,
    Problems,
    copy_text,
    parse_interview_date,
    parse_wave,
    text_cell,
    text_problem,
)
from services.survey.imports.header import (
    CSV_ERROR,
    FIRST_YEAR,
    LIMITS,
    MAX_WEIGHT,
    TEXT_LIMIT,
    HeaderPlan,
)
from services.survey.surveys.definition import QuestionDef
from shared.contracts.survey import london_date, wave_of_date
from shared.db import utcnow

_ID = LIMITS["respondent_id"]

RowError = tuple[int, str, str]  # (row number, column, reason)
# Plain decimal numbers (an exponent of at most two digits): what every backend parses alike.
WEIGHT_RE = re.compile(r"[+-]?(\d{1,10}(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?")


def london_today() -> date:
    """Today in Europe/London, where waves are reckoned: a wave or interview date is in the
    future only after local midnight, not UTC's (an hour apart in summer)."""
    return london_date(utcnow())


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
        self.line_prefix = ""
        self.line_suffix = "\n"
        i_wave, i_date = index.get("wave"), index.get("interview_date")
        self._pair = (i_wave, i_date) if i_wave is not None and i_date is not None else None
        parts: list[Part] = [Part(self._wave_and_date(i_wave, i_date), width=2)]
        first = i_wave if i_wave is not None else i_date
        assert first is not None, "plan_header requires the wave or the interview date"
        sources: list[int] = [first]
        for name in ("area", "age_band", "sex", "ethnicity"):
            self._add(parts, sources, index.get(name), text_cell(name, LIMITS[name]), (None,))
        self._add(parts, sources, index.get("weight"), self._weight, (1.0,))
        for i, question in plan.questions:
            if question.kind == "single_choice":
                self._add(parts, sources, i, self._choice(question), (None,))
            else:
                self._add(parts, sources, i, text_cell(question.code, TEXT_LIMIT), (None,))
        self._parts = parts
        self._value_memos = [part.values for part in parts]
        self.text_memos = [part.texts for part in parts]
        # Where each part's key comes from: a column, or the (wave, date) pair of columns.
        self.part_sources: list[int | tuple[int, int]] = [self._pair or first, *sources[1:]]
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
        parts: list[Part],
        sources: list[int],
        i: int | None,
        rule: CellRule,
        absent: tuple[Any, ...],
    ) -> None:
        if i is None:  # not in the file: a constant after the previous part
            parts[-1].tail_values += absent
            parts[-1].tail_text += "\t" + copy_text(absent[0])
            return
        parts.append(Part(rule))
        sources.append(i)

    def enable_lines(self, prefix: Sequence[str], suffix: Sequence[str]) -> None:
        """Make `validate_lines` produce COPY text lines: `prefix` columns, the row's values
        (without the row number), then `suffix` columns."""
        self.line_prefix = "".join(f"{copy_text(v)}\t" for v in prefix)
        self.line_suffix = "".join(f"\t{copy_text(v)}" for v in suffix) + "\n"

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
        append, plain, limit = records.append, NOT_PLAIN.search, _ID
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
        memos, keys_of, width, i_id = self.text_memos, self._keys_of, self.width, self.i_id
        append, join, plain, limit = lines.append, "\t".join, NOT_PLAIN.search, _ID
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
                append(f"{copy_text(checked[0])}\t{join(checked[1])}")
        read = len(lines) + bad
        if not lines:
            return "", errors, read, bad
        prefix, suffix = self.line_prefix, self.line_suffix
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
        problem = text_problem(respondent, LIMITS["respondent_id"]) if respondent else "is empty"
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
        problem = text_problem(respondent, LIMITS["respondent_id"]) if respondent else "is empty"
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
        return (wave, interview), f"{wave}\t{copy_text(interview)}"

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
