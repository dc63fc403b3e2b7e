"""Correlations between the answer shares of a question across the waves of its current
wording (Pearson).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis.repository import Scope
from services.survey.analysis.summary import require_analysable
from services.survey.analysis.trend import wave_series
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import AnswerCorrelation, QuestionCorrelations, Weighting
from shared.statistics import ALPHA, pearson


async def correlations(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    scope: Scope,
    weighting: Weighting,
) -> QuestionCorrelations:
    await require_analysable(session, survey, question, weighting)
    # Like the trend: only the waves of the wording asked in the last wave.
    series = await wave_series(session, survey, question, scope, weighting)
    codes = [o.code for o in question.options if not o.excluded_from_base]
    pairs: list[AnswerCorrelation] = []
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            both = [
                (float(xa), float(xb))
                for _, s in series.points
                if (xa := s.get(a)) is not None and (xb := s.get(b)) is not None
            ]
            r = p = None
            try:
                result = pearson([x for x, _ in both], [y for _, y in both])
                r, p = result.r, result.p
            except ValueError:  # fewer than 3 waves, or a constant series
                pass
            pairs.append(
                AnswerCorrelation(
                    answer_a=a,
                    answer_b=b,
                    waves=len(both),
                    r=r,
                    p=p,
                    significant=(p < ALPHA) if p is not None else None,
                )
            )
    return QuestionCorrelations(
        survey=survey.code,
        question=question.code,
        weighting=weighting,
        from_wave=series.first,
        to_wave=series.last,
        series_starts_at_break=series.starts_at_break,
        pairs=pairs,
    )
