"""Aggregates of the responses: per wave, group and answer, the count, sum of the weights and sum
of their squares (`Sums`), from one GROUP BY however many questions are asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis import repository
from services.survey.analysis.raking import raking
from services.survey.analysis.repository import Scope
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import Weighting


@dataclass
class Sums:
    n: int = 0
    sw: float = 0.0
    sw2: float = 0.0

    def add(self, n: int, sw: float, sw2: float) -> None:
        self.n += n
        self.sw += sw
        self.sw2 += sw2


Table = dict[str, dict[int, Sums]]  # group -> answer position -> sums


WaveTable = dict[str, Table]  # wave -> group -> answer position -> sums


def _new_table() -> WaveTable:
    return defaultdict(lambda: defaultdict(lambda: defaultdict(Sums)))


async def aggregate_many(
    session: AsyncSession,
    survey: SurveyDef,
    questions: Sequence[QuestionDef],
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> dict[str, WaveTable]:
    """Per question, wave, group and answer: n, sum w, sum w^2, from one GROUP BY over the
    survey however many questions are asked. The GROUP BY is on every question's answer at
    once (a cross-tabulation, at most one row per response): each question's sums are then
    added up over the other questions' answers, so the responses are read once."""
    await repository.custom_plans(session)
    columns = [q.column for q in questions]
    first_answer = 1 if by == "wave" else 2  # the rows' layout: `repository.answer_groups`
    width = first_answer + len(columns)
    tables = {q.code: _new_table() for q in questions}
    ordered = [tables[q.code] for q in questions]

    def add(row: Any, n: int, sw: float, sw2: float) -> None:
        wave, g = row[0], (row[0] if by == "wave" else row[1])
        for table, a in zip(ordered, row[first_answer:width], strict=True):
            if a is not None:
                table[wave][g][a].add(n, sw, sw2)

    weights = None
    if weighting == Weighting.raked:
        weights = await raking(session, survey, scope.first, scope.last)
    rows = await repository.answer_groups(
        session, survey.id, columns, by=by, scope=scope, weighting=weighting
    )
    if weights is not None:
        for row in rows:
            age, sex, area, count = row[-4:]
            w = weights.factors.get((row[0], age, sex, area), 1.0)
            add(row, int(count), count * w, count * w * w)
        return tables
    for row in rows:
        count = int(row[width])
        sw = float(row[width + 1]) if weighting == Weighting.supplied else float(count)
        sw2 = float(row[width + 2]) if weighting == Weighting.supplied else float(count)
        add(row, count, sw, sw2)
    return tables


async def aggregate(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> WaveTable:
    """Per wave, group and answer: n, sum w, sum w^2, in one GROUP BY over the survey."""
    tables = await aggregate_many(
        session, survey, [question], by=by, scope=scope, weighting=weighting
    )
    return tables[question.code]


def collapse(table: WaveTable, waves: list[str]) -> Table:
    """Sum the waves given: group -> answer -> sums."""
    out: Table = defaultdict(lambda: defaultdict(Sums))
    for wave in waves:
        for group, answers in table.get(wave, {}).items():
            for position, sums in answers.items():
                out[group][position].add(sums.n, sums.sw, sums.sw2)
    return out


def span(table: WaveTable, scope: Scope) -> tuple[str, str] | None:
    """The waves a request covers: as asked, else from/to the data."""
    present = sorted(table)
    first = scope.first or (present[0] if present else None)
    last = scope.last or (present[-1] if present else None)
    if first is None or last is None:
        return None
    return first, last
