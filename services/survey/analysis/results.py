"""Results: shares with intervals per wave or breakdown, of one question or several from one
pass over the responses; a breakdown never pools two wordings of a question.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors
from services.survey.analysis.aggregate import Sums, WaveTable, aggregate_many, collapse, span
from services.survey.analysis.repository import Scope
from services.survey.analysis.summary import require_analysable, summarise
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import (
    LOW_BASE_BELOW,
    QuestionResults,
    ResultGroup,
    Weighting,
    wave_index,
    wave_of_index,
    wave_range,
)
from shared.problems import PROBLEM_BASE, ProblemError, field_error, invalid

MAX_QUESTIONS = 30  # a survey's single-choice slots


def _group(question: QuestionDef, name: str, cells: dict[int, Sums], by: str) -> ResultGroup:
    summary = summarise(question, cells)
    version = question.wording_version_of(name) if by == "wave" else None
    series_break = False
    if by == "wave" and version is not None and version > 1:
        series_break = question.wording_version_of(wave_of_index(wave_index(name) - 1)) != version
    return ResultGroup(
        group=name,
        base_n=summary.base.n,
        base_weighted_n=summary.base.sw,
        base_effective_n=summary.effective_n,
        excluded_n=summary.excluded_n,
        suppressed=summary.suppressed,
        low_base=summary.base.n < LOW_BASE_BELOW,
        wording_version=version,
        series_break=series_break,
        answers=summary.answers,
    )


def _refuse_pooling_across_wordings(question: QuestionDef, first: str, last: str) -> None:
    """A breakdown sums its waves: waves asked with different wordings are not one series."""
    breaks = question.wording_breaks(first, last)
    if not breaks:
        return
    at = breaks[-1]
    before = wave_of_index(wave_index(at) - 1)
    detail = (
        f"The wording of {question.code} changed in {at} (a break in the series), so {first} "
        f"to {last} would pool two wordings. Ask from {at} on, or up to {before}."
    )
    raise ProblemError(
        422,
        detail,
        title="Unprocessable Content",
        type_=PROBLEM_BASE + "series-break",
        errors=[
            field_error("query.from", f"must be {at} or later: the wording changed in {at}"),
            field_error("query.to", f"must be {before} or earlier to end before the change"),
        ],
        extra={"break_wave": at},
    )


def questions_named(survey: SurveyDef, codes: Sequence[str]) -> list[QuestionDef]:
    """The survey's questions of `codes` in that order, each once: an unknown one is a 404
    (as for one question), a free-text one or too many a problem naming `query.questions`."""
    out: list[QuestionDef] = []
    for code in dict.fromkeys(codes):  # a repeated code is answered once, where first named
        question = survey.question(code)
        if question is None:
            raise errors.question_not_found(survey.code, code)
        if question.kind != "single_choice":
            raise invalid(
                "query.questions", f"{code} is a free-text question; search it under /comments"
            )
        out.append(question)
    if len(out) > MAX_QUESTIONS:
        raise invalid("query.questions", f"at most {MAX_QUESTIONS} questions")
    return out


async def results(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> QuestionResults:
    (answer,) = await results_many(
        session,
        survey,
        [question],
        by=by,
        scope=scope,
        weighting=weighting,
    )
    return answer


async def results_many(
    session: AsyncSession,
    survey: SurveyDef,
    questions: Sequence[QuestionDef],
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> list[QuestionResults]:
    """The results of each question (in the order given) exactly as `results` gives them
    one by one, from a single pass over the responses."""
    for question in questions:
        await require_analysable(session, survey, question, weighting)
    tables = await aggregate_many(
        session, survey, questions, by=by, scope=scope, weighting=weighting
    )
    return [
        _results_of(survey, question, tables[question.code], by, scope, weighting)
        for question in questions
    ]


def _results_of(
    survey: SurveyDef,
    question: QuestionDef,
    table: WaveTable,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> QuestionResults:
    covered = span(table, scope)
    groups: list[ResultGroup] = []
    version = question.version
    if covered is not None:
        waves_from, waves_to = covered
        if by != "wave" and scope.first is None:
            waves_from = waves_to  # a breakdown defaults to one wave: the last one
        if by != "wave":
            _refuse_pooling_across_wordings(question, waves_from, waves_to)
        covered = (waves_from, waves_to)
        version = question.wording_version_of(waves_to)
        waves = wave_range(waves_from, waves_to)
        merged = collapse(table, waves)
        names = waves if by == "wave" else sorted(merged)
        groups = [_group(question, name, merged.get(name, {}), by) for name in names]
    return QuestionResults(
        survey=survey.code,
        question=question.code,
        question_text=question.wording_text(version),
        wording_version=version,
        by=by,
        weighting=weighting,
        from_wave=covered[0] if covered else None,
        to_wave=covered[1] if covered else None,
        filters=scope.filters,
        groups=groups,
    )
