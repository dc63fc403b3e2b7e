"""The rules of single cells of an import row: text cells, waves, interview dates, and the
memo of accepted cells (`Part`) that makes most cells of a file a dictionary look-up. Each
accepted cell has its staged values and its PostgreSQL COPY text (`copy_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.survey.imports.header import FIRST_YEAR

_CACHE_LIMIT = 20_000
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Characters a respondent id must not hold (bad UTF-8, NUL) or that COPY text escapes.
NOT_PLAIN = re.compile("[\\\\\t\n\r\ufffd\x00]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


# PostgreSQL cannot store NUL in text (SQLite can): refused in every import alike.
NUL_MESSAGE = "contains the NUL character (U+0000)"


def text_problem(text: str, limit: int) -> str | None:
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
class Part:
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


def text_cell(column: str, limit: int) -> CellRule:
    def rule(cell: str) -> Accepted | Problems:
        value = cell.strip()
        problem = text_problem(value, limit)
        if problem is not None:
            return [(column, problem)]
        return (value or None,), copy_text(value or None)

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
