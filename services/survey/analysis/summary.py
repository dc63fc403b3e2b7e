"""A group's shares from its aggregate: the base (answers excluded from it left out), each
share with its Wilson 95% interval on the effective n, suppression and low bases.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.analysis.aggregate import Sums
from services.survey.analysis.raking import load_margins, no_margins
from services.survey.surveys.definition import QuestionDef, SurveyDef
from shared.contracts.survey import LOW_BASE_BELOW, SUPPRESS_BELOW, AnswerResult, Weighting
from shared.problems import PROBLEM_BASE, ProblemError
from shared.statistics import effective_n, wilson_interval


@dataclass
class Summary:
    base: Sums
    excluded_n: int
    answers: list[AnswerResult]
    shares: dict[str, float | None]

    @property
    def suppressed(self) -> bool:
        return self.base.n < SUPPRESS_BELOW

    @property
    def effective_n(self) -> float:
        return effective_n(self.base.sw, self.base.sw2)


def summarise(question: QuestionDef, cells: dict[int, Sums]) -> Summary:
    base = Sums()
    excluded = 0
    for option in question.options:
        sums = cells.get(option.position)
        if sums is None:
            continue
        if option.excluded_from_base:
            excluded += sums.n
        else:
            base.add(sums.n, sums.sw, sums.sw2)
    suppressed = base.n < SUPPRESS_BELOW
    low_base = base.n < LOW_BASE_BELOW
    n_eff = effective_n(base.sw, base.sw2)
    answers: list[AnswerResult] = []
    shares: dict[str, float | None] = {}
    for option in question.options:
        if option.excluded_from_base:
            continue
        sums = cells.get(option.position) or Sums()
        share: float | None = None
        ci: tuple[float, float] | None = None
        if not suppressed and base.sw > 0:
            share = min(1.0, max(0.0, sums.sw / base.sw))
            ci = wilson_interval(share, n_eff)
        shares[option.code] = share
        answers.append(
            AnswerResult(
                answer=option.code,
                label=option.label,
                count=sums.n,
                weighted_count=sums.sw,
                n=base.n,
                weighted_n=base.sw,
                effective_n=n_eff,
                share=share,
                ci_low=ci[0] if ci else None,
                ci_high=ci[1] if ci else None,
                suppressed=suppressed,
                low_base=low_base,
            )
        )
    return Summary(base, excluded, answers, shares)


async def require_analysable(
    session: AsyncSession, survey: SurveyDef, question: QuestionDef, weighting: Weighting
) -> None:
    if weighting == Weighting.raked:
        margins = await load_margins(session, survey)
        if not margins.get("age_band_sex") and not margins.get("area"):
            raise no_margins(survey)
    if question.kind != "single_choice":
        raise ProblemError(
            422,
            f"{question.code} is a free-text question; search it under /comments.",
            title="Unprocessable Content",
            type_=PROBLEM_BASE + "validation",
        )
