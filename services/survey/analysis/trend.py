"""Trends: Mann-Kendall and Theil-Sen over the waves of the current wording (a change of wording
starts a new series), and record highs and lows of the latest wave.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis.aggregate import aggregate, span
from services.survey.analysis.repository import Scope
from services.survey.analysis.summary import require_analysable, summarise
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import (
    AnswerTrend,
    QuestionTrend,
    Weighting,
    wave_index,
    wave_of_index,
    wave_range,
)
from shared.statistics import mann_kendall, theil_sen

MIN_TREND_WAVES = 4


@dataclass
class Series:
    """Shares per wave of one wording's run of waves (suppressed and empty waves left out)."""

    first: str | None
    last: str | None
    starts_at_break: bool
    latest_suppressed: bool
    points: list[tuple[str, dict[str, float | None]]]


def _current_wording_start(question: QuestionDef, first: str, last: str) -> tuple[str, bool]:
    """The first wave from `first` asked with the wording of `last`, and whether the series
    starts at a change of wording (earlier waves asked other words: another series)."""
    version = question.wording_version_of(last)
    start = next(w for w in wave_range(first, last) if question.wording_version_of(w) == version)
    before = question.wording_version_of(wave_of_index(wave_index(start) - 1))
    return start, start != first or (version > 1 and before != version)


async def wave_series(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    scope: Scope,
    weighting: Weighting,
) -> Series:
    """The waves of the wording asked in the last wave covered, with their shares."""
    table = await aggregate(session, survey, question, by="wave", scope=scope, weighting=weighting)
    covered = span(table, scope)
    if covered is None:
        return Series(None, None, False, False, [])
    start, starts_at_break = _current_wording_start(question, *covered)
    points = []
    latest_suppressed = False
    for wave in wave_range(start, covered[1]):
        summary = summarise(question, table.get(wave, {}).get(wave, {}))
        if summary.suppressed:
            latest_suppressed = wave == covered[1]
        else:
            points.append((wave, summary.shares))
    return Series(start, covered[1], starts_at_break, latest_suppressed, points)


async def trend(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    scope: Scope,
    weighting: Weighting,
) -> QuestionTrend:
    await require_analysable(session, survey, question, weighting)
    # Only the waves of the wording asked in the last wave: earlier wordings are another series.
    series = await wave_series(session, survey, question, scope, weighting)
    answers: list[AnswerTrend] = []
    for option in question.options:
        if option.excluded_from_base:
            continue
        points = [(w, s[option.code]) for w, s in series.points if s.get(option.code) is not None]
        answers.append(
            _answer_trend(
                option.code,
                option.label,
                points,
                latest_wave=series.last,
                latest_suppressed=series.latest_suppressed,
            )
        )
    return QuestionTrend(
        survey=survey.code,
        question=question.code,
        weighting=weighting,
        first_wave=series.first,
        last_wave=series.last,
        series_starts_at_break=series.starts_at_break,
        answers=answers,
    )


def _answer_trend(
    code: str,
    label: str,
    points: list[tuple[str, float | None]],
    *,
    latest_wave: str | None,
    latest_suppressed: bool,
) -> AnswerTrend:
    values = [float(s) for _, s in points if s is not None]
    waves = [w for w, _ in points]
    mk = mann_kendall(values) if len(values) >= MIN_TREND_WAVES else None
    slope: float | None = None
    if len(values) >= MIN_TREND_WAVES:
        x = [wave_index(w) / 4.0 for w in waves]
        slope = theil_sen(x, [v * 100.0 for v in values])[0]
    # Records describe the latest wave asked for; a suppressed or empty one has no share, and
    # an older wave must not stand in for it.
    latest: float | None = None
    record_high = record_low = None
    last_higher = last_lower = None
    if not latest_suppressed and values:
        latest, earlier = values[-1], values[:-1]
        record_high = bool(earlier) and all(latest > v for v in earlier)
        record_low = bool(earlier) and all(latest < v for v in earlier)
        last_higher = next(
            (waves[i] for i in reversed(range(len(earlier))) if earlier[i] > latest), None
        )
        last_lower = next(
            (waves[i] for i in reversed(range(len(earlier))) if earlier[i] < latest), None
        )
    return AnswerTrend(
        answer=code,
        label=label,
        waves=len(values),
        mann_kendall_s=mk.s if mk else None,
        mann_kendall_tau=mk.tau if mk else None,
        z=mk.z if mk else None,
        p=mk.p if mk else None,
        trend=mk.trend if mk else None,
        slope_pp_per_year=slope,
        latest_wave=latest_wave,
        latest_suppressed=latest_suppressed,
        latest_share=latest,
        record_high=record_high,
        record_low=record_low,
        last_higher_wave=last_higher,
        last_lower_wave=last_lower,
    )
