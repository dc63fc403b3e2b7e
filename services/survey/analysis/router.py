"""HTTP endpoints of the analyses: thin, the rules live in one module per analysis
(`results`, `changes`, `trend`, `correlations`, `representativeness`).

`router` (results, changes, trend, correlations) and `mix_router` (representativeness), which
the app includes after the population margins' routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.survey.analysis.changes import changes
from services.survey.analysis.correlations import correlations
from services.survey.analysis.repository import Scope
from services.survey.analysis.representativeness import representativeness as respondent_mix
from services.survey.analysis.results import MAX_QUESTIONS, questions_named, results, results_many
from services.survey.analysis.schemas import Representativeness
from services.survey.analysis.trend import trend
from services.survey.deps import (
    QuestionCode,
    Reader,
    Respondents,
    SurveyCode,
    ToQuery,
    WaveRange,
    Waves,
    Who,
)
from services.survey.surveys.service import require_question, require_survey
from shared.contracts.survey import (
    QuestionChanges,
    QuestionCorrelations,
    QuestionResults,
    QuestionTrend,
    SurveyResults,
)
from shared.db import SessionDep
from shared.problems import problem_responses

router = APIRouter(tags=["surveys"])
mix_router = APIRouter(tags=["surveys"])


def _scope(waves: WaveRange, who: Respondents) -> Scope:
    """The responses an analysis reads: the waves asked for, the caller's filters and limit."""
    return Scope(waves.first, waves.last, who.filters, who.districts)


@router.get(
    "/surveys/{code}/questions/{question}/results",
    response_model=QuestionResults,
    summary="Shares with 95% intervals per wave, demographic or area",
    description="`by=wave` covers every wave from `from` to `to` (default: all waves with "
    "data), empty waves included; each group names the `wording_version` asked and flags "
    "`series_break` where the wording changed. Any other `by` sums the waves from `from` to "
    "`to` (default: the wave `to`, or the latest wave with data, alone): all of them must have "
    "been asked with one wording, because pooling two wordings would mix two series. A range "
    "that crosses a change of wording is refused with 422 (problem type `series-break`, "
    "naming `from` and `to`, with the `break_wave`): ask from the break on, or up to the wave "
    "before it. `question_text` is the wording asked in `to_wave`. Per answer, `n`, "
    "`weighted_n` and `effective_n` describe the group's base (responses with an answer "
    "counted in the base) and `count` / `weighted_count` the answer itself. Bases under 50 are "
    "suppressed, under 100 flagged `low_base`.",
    responses=problem_responses(404, 409, 422),
)
async def question_results(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
    by: Annotated[str, Query(pattern="^(wave|area|age_band|sex|ethnicity)$")] = "wave",
) -> QuestionResults:
    survey, spec = await require_question(session, code, question)
    return await results(
        session,
        survey,
        spec,
        by=by,
        scope=_scope(waves, who),
        weighting=who.weighting,
    )


@router.get(
    "/surveys/{code}/results",
    response_model=SurveyResults,
    summary="Several questions' shares with 95% intervals, from one pass over the responses",
    description="`questions` lists question codes separated by commas (at most "
    f"{MAX_QUESTIONS}; a repeated code is answered once). Each item of `results` "
    "is exactly what `/surveys/{code}/questions/{question}/results` answers for that "
    "question with the same `by`, `from`, `to`, filters and `weighting`, by the same rules "
    "(suppression, series breaks, a breakdown refused with 422 `series-break` when its "
    "waves cross a change of wording). An unknown question is a 404, a free-text one a 422 "
    "naming `query.questions`.",
    responses=problem_responses(404, 409, 422),
)
async def survey_results(
    code: SurveyCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
    questions: Annotated[
        str,
        Query(
            max_length=2000,
            pattern=r"^[a-z0-9_]+(,[a-z0-9_]+)*$",
            description="Question codes, comma-separated (e.g. `informed,have_say`).",
        ),
    ],
    by: Annotated[str, Query(pattern="^(wave|area|age_band|sex|ethnicity)$")] = "wave",
) -> SurveyResults:
    survey = await require_survey(session, code)
    answers = await results_many(
        session,
        survey,
        questions_named(survey, questions.split(",")),
        by=by,
        scope=_scope(waves, who),
        weighting=who.weighting,
    )
    return SurveyResults(survey=survey.code, results=answers)


@router.get(
    "/surveys/{code}/questions/{question}/changes",
    response_model=QuestionChanges,
    summary="Is the change real? Two-proportion z-tests on effective sample sizes",
    description="The wave `to` (default: the latest) against the previous quarter, the same "
    "quarter a year earlier, and the four quarters to `to` against the four before them.",
    responses=problem_responses(404, 409),
)
async def question_changes(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    who: Who,
    to: ToQuery = None,
) -> QuestionChanges:
    survey, spec = await require_question(session, code, question)
    return await changes(
        session,
        survey,
        spec,
        to=to,
        filters=who.filters,
        weighting=who.weighting,
        districts=who.districts,
    )


@router.get(
    "/surveys/{code}/questions/{question}/trend",
    response_model=QuestionTrend,
    summary="Mann-Kendall trend, Theil-Sen slope and record highs/lows per answer",
    description="The series runs from `from` to `to` (default: all waves with data) over the "
    "waves asked with the wording of the last wave; a change of wording starts a new series "
    "(`series_starts_at_break`). Suppressed (base under 50) and empty waves are left out of the "
    "tests. `latest_wave` is always the last wave of the range: when it is suppressed or "
    "empty, `latest_suppressed` is true and its share, record flags and last higher/lower "
    "waves are null.",
    responses=problem_responses(404, 409),
)
async def question_trend(
    code: SurveyCode,
    question: QuestionCode,
    session: SessionDep,
    _: Reader,
    waves: Waves,
    who: Who,
) -> QuestionTrend:
    survey, spec = await require_question(session, code, question)
    return await trend(
        session,
        survey,
        spec,
        scope=_scope(waves, who),
        weighting=who.weighting,
    )


@router.get(
    "/surveys/{code}/correlations",
    response_model=QuestionCorrelations,
    summary="Pearson correlation between the answer shares of a question across waves",
    description="Shares per wave from `from` to `to` (default: all waves with data), over the "
    "waves asked with the wording of the last wave only: a change of wording starts a new "
    "series, so `from_wave` is where the series correlated starts and "
    "`series_starts_at_break` says whether earlier waves were left out for another wording. "
    "Suppressed (base under 50) and empty waves are left out.",
    responses=problem_responses(404, 409),
)
async def question_correlations(
    code: SurveyCode,
    session: SessionDep,
    _: Reader,
    question: Annotated[str, Query(max_length=60, pattern=r"^[a-z0-9_]+$")],
    waves: Waves,
    who: Who,
) -> QuestionCorrelations:
    survey, spec = await require_question(session, code, question)
    return await correlations(
        session,
        survey,
        spec,
        scope=_scope(waves, who),
        weighting=who.weighting,
    )


@mix_router.get(
    "/surveys/{code}/representativeness",
    response_model=Representativeness,
    summary="Who answered: respondent mix against the population, and what raking costs",
    description="Mix of respondents from `from` to `to` (default: the latest wave) by age band "
    "x sex, age band, sex and area, against the population margins; per wave the raking "
    "weights' design effect, effective n and largest weight (capped at 5x the mean).",
    responses=problem_responses(404),
)
async def representativeness(
    code: SurveyCode,
    session: SessionDep,
    principal: Reader,
    waves: Waves,
) -> Representativeness:
    survey = await require_survey(session, code)
    return await respondent_mix(
        session, survey, first=waves.first, last=waves.last, districts=principal.districts
    )
