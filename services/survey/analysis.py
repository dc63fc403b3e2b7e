"""Survey analysis: aggregation in SQL (counts, sums of w and w^2), statistics in Python.

The counting rules are DESIGN.md's "Statistics": the base excludes answers flagged
`excluded_from_base`; share = sum w [answer] / sum w over the base; effective n = (sum w)^2 /
sum w^2; Wilson interval on the effective n; suppressed under 50, low base under 100.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.definitions import QuestionDef, SurveyDef
from services.survey.models import PopulationMargin, Response
from services.survey.schemas import (
    MixCategory,
    MixDimension,
    Representativeness,
    WaveWeighting,
)
from shared.contracts.survey import (
    LOW_BASE_BELOW,
    SUPPRESS_BELOW,
    AnswerCorrelation,
    AnswerResult,
    AnswerTrend,
    ChangeAnswer,
    Comparison,
    QuestionChanges,
    QuestionCorrelations,
    QuestionResults,
    QuestionTrend,
    ResultGroup,
    Weighting,
    wave_index,
    wave_of_index,
    wave_range,
)
from shared.problems import PROBLEM_BASE, ProblemError
from shared.statistics import (
    ALPHA,
    design_effect,
    effective_n,
    mann_kendall,
    pearson,
    rake,
    theil_sen,
    two_proportion_z,
    wilson_interval,
)

R = Response.__table__  # type: ignore[attr-defined]
M = PopulationMargin.__table__  # type: ignore[attr-defined]
UNKNOWN = "(unknown)"
GROUPINGS = ("wave", "area", "age_band", "sex", "ethnicity")
FILTERS = ("area", "age_band", "sex", "ethnicity")
RAKE_CAP = 5.0
MIN_TREND_WAVES = 4

CellKey = tuple[str, str | None, str | None, str | None]  # wave, age band, sex, area


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


@dataclass
class Scope:
    first: str
    last: str
    filters: dict[str, str]


# --- SQL -------------------------------------------------------------------------------------


async def data_bounds(session: AsyncSession, survey: SurveyDef) -> tuple[str, str] | None:
    row = (
        await session.execute(
            select(func.min(R.c.wave), func.max(R.c.wave)).where(R.c.survey_id == survey.id)
        )
    ).one()
    return (row[0], row[1]) if row[0] is not None else None


def _conditions(survey: SurveyDef, scope: Scope) -> list[Any]:
    out: list[Any] = [
        R.c.survey_id == survey.id,
        R.c.wave >= scope.first,
        R.c.wave <= scope.last,
    ]
    for name, value in scope.filters.items():
        out.append(R.c[name] == value)
    return out


async def load_margins(session: AsyncSession, survey: SurveyDef) -> dict[str, dict[str, float]]:
    rows = (
        await session.execute(
            select(M.c.dimension, M.c.category, M.c.population).where(M.c.survey_id == survey.id)
        )
    ).all()
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for dimension, category, population in rows:
        out[dimension][category] = float(population)
    return dict(out)


def _rake_dimensions(
    margins: dict[str, dict[str, float]], key: CellKey
) -> tuple[list[str | None], list[dict[str, float]]]:
    _, age, sex, area = key
    categories: list[str | None] = []
    targets: list[dict[str, float]] = []
    if margins.get("age_band_sex"):
        categories.append(f"{age}|{sex}" if age is not None and sex is not None else None)
        targets.append(margins["age_band_sex"])
    if margins.get("area"):
        categories.append(area)
        targets.append(margins["area"])
    return categories, targets


def _no_margins(survey: SurveyDef) -> ProblemError:
    return ProblemError(
        409,
        "Raked weighting needs population margins: PUT them to "
        f"/api/v1/surveys/{survey.code}/population first.",
        type_=PROBLEM_BASE + "no-population-margins",
    )


@dataclass
class Raking:
    factors: dict[CellKey, float]
    per_wave: list[WaveWeighting]


async def raking(session: AsyncSession, survey: SurveyDef, first: str, last: str) -> Raking:
    """Rake each wave's respondents to the population margins (cells share one weight)."""
    margins = await load_margins(session, survey)
    if not margins.get("age_band_sex") and not margins.get("area"):
        raise _no_margins(survey)
    rows = (
        await session.execute(
            select(R.c.wave, R.c.age_band, R.c.sex, R.c.area, func.count())
            .where(R.c.survey_id == survey.id, R.c.wave >= first, R.c.wave <= last)
            .group_by(R.c.wave, R.c.age_band, R.c.sex, R.c.area)
        )
    ).all()
    by_wave: dict[str, list[tuple[CellKey, int]]] = defaultdict(list)
    for wave, age, sex, area, count in rows:
        by_wave[wave].append(((wave, age, sex, area), int(count)))
    factors: dict[CellKey, float] = {}
    per_wave: list[WaveWeighting] = []
    for wave in sorted(by_wave):
        cells = by_wave[wave]
        categories = []
        targets: list[dict[str, float]] = []
        for key, _ in cells:
            cats, targets = _rake_dimensions(margins, key)
            categories.append(cats)
        result = rake([c for _, c in cells], categories, targets, cap=RAKE_CAP)
        n = sum(c for _, c in cells)
        sw = math.fsum(c * w for (_, c), w in zip(cells, result.weights, strict=True))
        sw2 = math.fsum(c * w * w for (_, c), w in zip(cells, result.weights, strict=True))
        for (key, _), weight in zip(cells, result.weights, strict=True):
            factors[key] = weight
        per_wave.append(
            WaveWeighting(
                wave=wave,
                respondents=n,
                design_effect=design_effect(n, sw, sw2),
                effective_n=effective_n(sw, sw2),
                max_weight=max(result.weights),
                capped_cells=result.capped_cells,
                converged=result.converged,
            )
        )
    return Raking(factors, per_wave)


async def aggregate(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    by: str,
    scope: Scope,
    weighting: Weighting,
) -> Table:
    """Per group and answer: n, sum w, sum w^2, in one GROUP BY."""
    answer = R.c[question.column]
    group = R.c.wave if by == "wave" else func.coalesce(R.c[by], literal(UNKNOWN))
    conditions = [*_conditions(survey, scope), answer.is_not(None)]
    table: Table = defaultdict(lambda: defaultdict(Sums))
    if weighting == Weighting.raked:
        weights = await raking(session, survey, scope.first, scope.last)
        rows = (
            await session.execute(
                select(group, answer, R.c.wave, R.c.age_band, R.c.sex, R.c.area, func.count())
                .where(*conditions)
                .group_by(group, answer, R.c.wave, R.c.age_band, R.c.sex, R.c.area)
            )
        ).all()
        for g, a, wave, age, sex, area, count in rows:
            w = weights.factors.get((wave, age, sex, area), 1.0)
            table[g][a].add(int(count), count * w, count * w * w)
        return table
    if weighting == Weighting.supplied:
        measures = [func.count(), func.sum(R.c.weight), func.sum(R.c.weight * R.c.weight)]
    else:
        measures = [func.count()]
    rows = (
        await session.execute(
            select(group, answer, *measures).where(*conditions).group_by(group, answer)
        )
    ).all()
    for row in rows:
        count = int(row[2])
        sw = float(row[3]) if weighting == Weighting.supplied else float(count)
        sw2 = float(row[4]) if weighting == Weighting.supplied else float(count)
        table[row[0]][row[1]].add(count, sw, sw2)
    return table


# --- statistics on the aggregates -------------------------------------------------------------


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
                n=sums.n,
                weighted_n=sums.sw,
                effective_n=n_eff,
                share=share,
                ci_low=ci[0] if ci else None,
                ci_high=ci[1] if ci else None,
                suppressed=suppressed,
                low_base=low_base,
            )
        )
    return Summary(base, excluded, answers, shares)


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


async def _prepare(
    session: AsyncSession, survey: SurveyDef, question: QuestionDef, weighting: Weighting
) -> None:
    if weighting == Weighting.raked:
        margins = await load_margins(session, survey)
        if not margins.get("age_band_sex") and not margins.get("area"):
            raise _no_margins(survey)
    if question.kind != "single_choice":
        raise ProblemError(
            422,
            f"{question.code} is a free-text question; search it under /comments.",
            title="Unprocessable Content",
            type_=PROBLEM_BASE + "validation",
        )


async def resolve_scope(
    session: AsyncSession,
    survey: SurveyDef,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    *,
    default_latest_only: bool = False,
) -> Scope | None:
    bounds = await data_bounds(session, survey)
    if last is None:
        last = bounds[1] if bounds else first
    if first is None:
        first = last if default_latest_only else (bounds[0] if bounds else last)
    if first is None or last is None:
        return None
    return Scope(first, last, filters)


async def results(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    by: str,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
) -> QuestionResults:
    await _prepare(session, survey, question, weighting)
    scope = await resolve_scope(
        session, survey, first, last, filters, default_latest_only=by != "wave"
    )
    groups: list[ResultGroup] = []
    if scope is not None:
        table = await aggregate(session, survey, question, by=by, scope=scope, weighting=weighting)
        names = wave_range(scope.first, scope.last) if by == "wave" else sorted(table)
        groups = [_group(question, name, table.get(name, {}), by) for name in names]
    return QuestionResults(
        survey=survey.code,
        question=question.code,
        question_text=question.text,
        by=by,
        weighting=weighting,
        from_wave=scope.first if scope else None,
        to_wave=scope.last if scope else None,
        filters=filters,
        groups=groups,
    )


def _pool(table: Table, waves: list[str]) -> dict[int, Sums]:
    pooled: dict[int, Sums] = defaultdict(Sums)
    for wave in waves:
        for position, sums in table.get(wave, {}).items():
            pooled[position].add(sums.n, sums.sw, sums.sw2)
    return pooled


def _compare(
    question: QuestionDef, kind: str, table: Table, period: list[str], baseline: list[str]
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
) -> QuestionChanges:
    await _prepare(session, survey, question, weighting)
    if to is None:
        bounds = await data_bounds(session, survey)
        if bounds is None:
            raise ProblemError(
                404, f"Survey {survey.code} has no responses yet.", type_=PROBLEM_BASE + "no-data"
            )
        to = bounds[1]
    end = wave_index(to)
    scope = Scope(wave_of_index(end - 7), to, filters)
    table = await aggregate(session, survey, question, by="wave", scope=scope, weighting=weighting)

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


async def _wave_shares(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    scope: Scope,
    weighting: Weighting,
) -> list[tuple[str, dict[str, float | None]]]:
    table = await aggregate(session, survey, question, by="wave", scope=scope, weighting=weighting)
    out = []
    for wave in wave_range(scope.first, scope.last):
        summary = summarise(question, table.get(wave, {}))
        if not summary.suppressed:
            out.append((wave, summary.shares))
    return out


async def trend(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
) -> QuestionTrend:
    await _prepare(session, survey, question, weighting)
    scope = await resolve_scope(session, survey, first, last, filters)
    series_break = False
    series: list[tuple[str, dict[str, float | None]]] = []
    if scope is not None:
        # Only the waves of the wording asked in the last wave: earlier wordings are another series.
        version = question.wording_version_of(scope.last)
        start = scope.first
        for wave in wave_range(scope.first, scope.last):
            if question.wording_version_of(wave) == version:
                start = wave
                break
        series_break = start != scope.first or (
            version > 1
            and question.wording_version_of(wave_of_index(wave_index(start) - 1)) != version
        )
        scope = Scope(start, scope.last, filters)
        series = await _wave_shares(session, survey, question, scope, weighting)
    answers: list[AnswerTrend] = []
    for option in question.options:
        if option.excluded_from_base:
            continue
        points = [(w, s[option.code]) for w, s in series if s.get(option.code) is not None]
        answers.append(_answer_trend(option.code, option.label, points))
    return QuestionTrend(
        survey=survey.code,
        question=question.code,
        weighting=weighting,
        first_wave=scope.first if scope else None,
        last_wave=scope.last if scope else None,
        series_starts_at_break=series_break,
        answers=answers,
    )


def _answer_trend(code: str, label: str, points: list[tuple[str, float | None]]) -> AnswerTrend:
    values = [float(s) for _, s in points if s is not None]
    waves = [w for w, _ in points]
    latest = values[-1] if values else None
    earlier = values[:-1]
    record_high = bool(earlier) and latest is not None and all(latest > v for v in earlier)
    record_low = bool(earlier) and latest is not None and all(latest < v for v in earlier)
    last_higher = next(
        (
            waves[i]
            for i in range(len(earlier) - 1, -1, -1)
            if latest is not None and earlier[i] > latest
        ),
        None,
    )
    last_lower = next(
        (
            waves[i]
            for i in range(len(earlier) - 1, -1, -1)
            if latest is not None and earlier[i] < latest
        ),
        None,
    )
    mk = mann_kendall(values) if len(values) >= MIN_TREND_WAVES else None
    slope: float | None = None
    if len(values) >= MIN_TREND_WAVES:
        x = [wave_index(w) / 4.0 for w in waves]
        slope = theil_sen(x, [v * 100.0 for v in values])[0]
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
        latest_wave=waves[-1] if waves else None,
        latest_share=latest,
        record_high=record_high,
        record_low=record_low,
        last_higher_wave=last_higher,
        last_lower_wave=last_lower,
    )


async def correlations(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
) -> QuestionCorrelations:
    await _prepare(session, survey, question, weighting)
    scope = await resolve_scope(session, survey, first, last, filters)
    series = await _wave_shares(session, survey, question, scope, weighting) if scope else []
    codes = [o.code for o in question.options if not o.excluded_from_base]
    pairs: list[AnswerCorrelation] = []
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            xs = [s[a] for _, s in series if s.get(a) is not None and s.get(b) is not None]
            ys = [s[b] for _, s in series if s.get(a) is not None and s.get(b) is not None]
            r = p = None
            try:
                result = pearson(
                    [float(v) for v in xs if v is not None], [float(v) for v in ys if v is not None]
                )
                r, p = result.r, result.p
            except ValueError:  # fewer than 3 waves, or a constant series
                pass
            pairs.append(
                AnswerCorrelation(
                    answer_a=a,
                    answer_b=b,
                    waves=len(xs),
                    r=r,
                    p=p,
                    significant=(p < ALPHA) if p is not None else None,
                )
            )
    return QuestionCorrelations(
        survey=survey.code,
        question=question.code,
        weighting=weighting,
        from_wave=scope.first if scope else None,
        to_wave=scope.last if scope else None,
        pairs=pairs,
    )


async def representativeness(
    session: AsyncSession,
    survey: SurveyDef,
    *,
    first: str | None,
    last: str | None,
) -> Representativeness:
    scope = await resolve_scope(session, survey, first, last, {}, default_latest_only=True)
    margins = await load_margins(session, survey)
    if scope is None:
        return Representativeness(
            survey=survey.code,
            from_wave=None,
            to_wave=None,
            respondents=0,
            margins_loaded=bool(margins),
            dimensions=[],
            weighting=[],
        )
    rows = (
        await session.execute(
            select(R.c.age_band, R.c.sex, R.c.area, func.count())
            .where(*_conditions(survey, scope))
            .group_by(R.c.age_band, R.c.sex, R.c.area)
        )
    ).all()
    total = sum(int(r[3]) for r in rows)
    counts: dict[str, dict[str, int]] = {
        d: defaultdict(int) for d in ("age_band_sex", "age_band", "sex", "area")
    }
    for age, sex, area, count in rows:
        counts["age_band_sex"][f"{age or UNKNOWN}|{sex or UNKNOWN}"] += int(count)
        counts["age_band"][age or UNKNOWN] += int(count)
        counts["sex"][sex or UNKNOWN] += int(count)
        counts["area"][area or UNKNOWN] += int(count)
    population: dict[str, dict[str, float]] = {
        "age_band_sex": margins.get("age_band_sex", {}),
        "area": margins.get("area", {}),
    }
    derived_age: dict[str, float] = defaultdict(float)
    derived_sex: dict[str, float] = defaultdict(float)
    for key, value in population["age_band_sex"].items():
        age, _, sex = key.partition("|")
        derived_age[age] += value
        derived_sex[sex] += value
    population["age_band"] = dict(derived_age)
    population["sex"] = dict(derived_sex)
    dimensions: list[MixDimension] = []
    for dimension in ("age_band_sex", "age_band", "sex", "area"):
        pop = population[dimension]
        pop_total = math.fsum(pop.values())
        categories: list[MixCategory] = []
        for category in sorted(set(counts[dimension]) | set(pop)):
            n = counts[dimension].get(category, 0)
            sample_share = n / total if total else 0.0
            pop_share = pop[category] / pop_total if category in pop and pop_total else None
            categories.append(
                MixCategory(
                    category=category,
                    respondents=n,
                    sample_share=sample_share,
                    population_share=pop_share,
                    difference_pp=(sample_share - pop_share) * 100
                    if pop_share is not None
                    else None,
                    representation=sample_share / pop_share if pop_share else None,
                )
            )
        dimensions.append(MixDimension(dimension=dimension, categories=categories))  # type: ignore[arg-type]
    weighting: list[WaveWeighting] = []
    if margins.get("age_band_sex") or margins.get("area"):
        weighting = (await raking(session, survey, scope.first, scope.last)).per_wave
    return Representativeness(
        survey=survey.code,
        from_wave=scope.first,
        to_wave=scope.last,
        respondents=total,
        margins_loaded=bool(margins),
        dimensions=dimensions,
        weighting=weighting,
    )
