"""Is a change real? A wave against the previous quarter and the same quarter a year before,
and four quarters against the four before them: two-proportion z-tests on effective n.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis.aggregate import Sums, WaveTable, aggregate
from services.survey.analysis.repository import Scope
from services.survey.analysis.summary import require_analysable, summarise
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import (
    SUPPRESS_BELOW,
    ChangeAnswer,
    Comparison,
    QuestionChanges,
    Weighting,
    wave_index,
    wave_of_index,
)
from shared.problems import PROBLEM_BASE, ProblemError
from shared.statistics import two_proportion_z


def _pool(table: WaveTable, waves: list[str]) -> dict[int, Sums]:
    pooled: dict[int, Sums] = defaultdict(Sums)
    for wave in waves:
        for position, sums in table.get(wave, {}).get(wave, {}).items():
            pooled[position].add(sums.n, sums.sw, sums.sw2)
    return pooled


def _compare(
    question: QuestionDef, kind: str, table: WaveTable, period: list[str], baseline: list[str]
) -> Comparison:
    now = summarise(question, _pool(table, period))
    before = summarise(question, _pool(table, baseline))
    versions = {question.wording_version_of(w) for w in period + baseline}
    reason: str | None = None
    if len(versions) > 1:
        reason = "the wording changed between the periods (a break in the series)"
    elif now.suppressed or before.suppressed:
        reason = f"a base under {SUPPRESS_BELOW} responses"
    answers: list[ChangeAnswer] = []
    for option in question.options:
        if option.excluded_from_base:
            continue
        share = now.shares.get(option.code)
        baseline_share = before.shares.get(option.code)
        test = None
        if reason is None and share is not None and baseline_share is not None:
            test = two_proportion_z(share, now.effective_n, baseline_share, before.effective_n)
        answers.append(
            ChangeAnswer(
                answer=option.code,
                label=option.label,
                share=share,
                baseline_share=baseline_share,
                difference_pp=test.difference * 100 if test else None,
                z=test.z if test and math.isfinite(test.z) else None,
                p=test.p if test else None,
                significant=test.significant if test else None,
            )
        )
    return Comparison(
        kind=kind,
        period=period,
        baseline=baseline,
        effective_n=now.effective_n if now.base.n else None,
        baseline_effective_n=before.effective_n if before.base.n else None,
        base_n=now.base.n,
        baseline_base_n=before.base.n,
        comparable=reason is None,
        reason=reason,
        answers=answers,
    )


async def changes(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    to: str | None,
    filters: dict[str, str],
    weighting: Weighting,
    districts: frozenset[str] | None = None,
) -> QuestionChanges:
    await require_analysable(session, survey, question, weighting)
    if to is None:
        table = await aggregate(
            session,
            survey,
            question,
            by="wave",
            scope=Scope(None, None, filters, districts),
            weighting=weighting,
        )
        if not table:
            raise ProblemError(
                404, f"Survey {survey.code} has no responses yet.", type_=PROBLEM_BASE + "no-data"
            )
        to = max(table)
    else:
        table = await aggregate(
            session,
            survey,
            question,
            by="wave",
            scope=Scope(wave_of_index(wave_index(to) - 7), to, filters, districts),
            weighting=weighting,
        )
    end = wave_index(to)

    def waves(first: int, last: int) -> list[str]:
        return [wave_of_index(i) for i in range(first, last + 1)]

    comparisons = [
        _compare(question, "previous_quarter", table, [to], waves(end - 1, end - 1)),
        _compare(question, "same_quarter_last_year", table, [to], waves(end - 4, end - 4)),
        _compare(
            question,
            "rolling_four_quarters",
            table,
            waves(end - 3, end),
            waves(end - 7, end - 4),
        ),
    ]
    return QuestionChanges(
        survey=survey.code,
        question=question.code,
        to_wave=to,
        weighting=weighting,
        comparisons=comparisons,
    )
