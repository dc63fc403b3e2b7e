"""Survey analysis: aggregation in SQL (counts, sums of w and w^2), statistics in Python.

The counting rules are the README's "Survey statistics": the base excludes answers flagged
`excluded_from_base`; share = sum w [answer] / sum w over the base; effective n = (sum w)^2 /
sum w^2; Wilson interval on the effective n; suppressed under 50, low base under 100.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey import errors
from services.survey.analysis import repository
from services.survey.analysis.repository import UNKNOWN, Scope
from services.survey.analysis.schemas import (
    MixCategory,
    MixDimension,
    Representativeness,
    WaveWeighting,
)
from services.survey.population.repository import margin_rows
from services.survey.surveys.definition import QuestionDef, SurveyDef
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
from shared.problems import PROBLEM_BASE, ProblemError, field_error, invalid
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

GROUPINGS = ("wave", "area", "age_band", "sex", "ethnicity")
FILTERS = ("area", "age_band", "sex", "ethnicity")
RAKE_CAP = 5.0
MIN_TREND_WAVES = 4
MAX_QUESTIONS = 30  # a survey's single-choice slots

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


async def load_margins(session: AsyncSession, survey: SurveyDef) -> dict[str, dict[str, float]]:
    """Dimension -> category -> population of the survey's margins."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for dimension, category, population in await margin_rows(session, survey.id):
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


async def raking(
    session: AsyncSession, survey: SurveyDef, first: str | None, last: str | None
) -> Raking:
    """Rake each wave's respondents to the population margins (cells share one weight)."""
    margins = await load_margins(session, survey)
    if not margins.get("age_band_sex") and not margins.get("area"):
        raise _no_margins(survey)
    rows = await repository.cell_counts(session, survey.id, Scope(first, last, {}))
    by_wave: dict[str, list[tuple[CellKey, int]]] = defaultdict(list)
    for wave, age, sex, area, count in rows:
        by_wave[wave].append(((wave, age, sex, area), int(count)))
    # Iterative fitting is pure Python: run it in a worker thread, off the event loop.
    return await anyio.to_thread.run_sync(_rake_waves, dict(by_wave), margins)


def _rake_waves(
    by_wave: dict[str, list[tuple[CellKey, int]]], margins: dict[str, dict[str, float]]
) -> Raking:
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
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
    districts: frozenset[str] | None = None,
) -> QuestionResults:
    (answer,) = await results_many(
        session,
        survey,
        [question],
        by=by,
        first=first,
        last=last,
        filters=filters,
        weighting=weighting,
        districts=districts,
    )
    return answer


async def results_many(
    session: AsyncSession,
    survey: SurveyDef,
    questions: Sequence[QuestionDef],
    *,
    by: str,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
    districts: frozenset[str] | None = None,
) -> list[QuestionResults]:
    """The results of each question (in the order given) exactly as `results` gives them
    one by one, from a single pass over the responses."""
    for question in questions:
        await _prepare(session, survey, question, weighting)
    scope = Scope(first, last, filters, districts)
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
    await _prepare(session, survey, question, weighting)
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


async def _wave_series(
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
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
    districts: frozenset[str] | None = None,
) -> QuestionTrend:
    await _prepare(session, survey, question, weighting)
    # Only the waves of the wording asked in the last wave: earlier wordings are another series.
    series = await _wave_series(
        session, survey, question, Scope(first, last, filters, districts), weighting
    )
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


async def correlations(
    session: AsyncSession,
    survey: SurveyDef,
    question: QuestionDef,
    *,
    first: str | None,
    last: str | None,
    filters: dict[str, str],
    weighting: Weighting,
    districts: frozenset[str] | None = None,
) -> QuestionCorrelations:
    await _prepare(session, survey, question, weighting)
    # Like the trend: only the waves of the wording asked in the last wave.
    series = await _wave_series(
        session, survey, question, Scope(first, last, filters, districts), weighting
    )
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


async def representativeness(
    session: AsyncSession,
    survey: SurveyDef,
    *,
    first: str | None,
    last: str | None,
    districts: frozenset[str] | None = None,
) -> Representativeness:
    await repository.custom_plans(session)
    margins = await load_margins(session, survey)
    by_wave = await repository.cell_counts(session, survey.id, Scope(first, last, {}, districts))
    present = sorted({r[0] for r in by_wave})
    if not present and (first is None or last is None):
        return Representativeness(
            survey=survey.code,
            from_wave=None,
            to_wave=None,
            respondents=0,
            margins_loaded=bool(margins),
            dimensions=[],
            weighting=[],
        )
    last = last or present[-1]
    first = first or last  # default: the latest wave alone
    scope = Scope(first, last, {})
    rows = [r[1:] for r in by_wave if first <= r[0] <= last]
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
        dimensions.append(MixDimension(dimension=dimension, categories=categories))
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
