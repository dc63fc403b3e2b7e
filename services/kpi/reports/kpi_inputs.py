"""Section 5's inputs: the KPI service's own scorecard and each KPI's XmR series, built
in-process with the scorecard and series services (no HTTP call to itself), kept for
KPI_REPORT_CACHE_S like the sources' answers."""

from __future__ import annotations

import asyncio

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.kpi.reports.gather import AreaScope
from services.kpi.reports.periods import Period
from services.kpi.reports.scorecard_findings import ScorecardFetcher, ScorecardInputs
from services.kpi.reports.sources import SourceUnavailable, answer_cache, sources_of
from services.kpi.scorecard.service import build_scorecard
from services.kpi.series.service import build_series
from shared.contracts.kpi import KpiSeries, KpiStatus
from shared.db import Database
from shared.problems import ProblemError

SERIES_AT_ONCE = 4  # series built side by side, each on its own read session


def scorecard_fetcher(request: Request, session: AsyncSession) -> ScorecardFetcher:
    sources = sources_of(request)
    db: Database = request.app.state.db

    async def series(
        code: str, period: Period, area: str | None, limit: asyncio.Semaphore
    ) -> KpiSeries | None:
        async with limit, db.read_sessions() as own:
            try:
                return await build_series(own, sources, code, area=area, last=period.text)
            except (ProblemError, SourceUnavailable):
                return None

    cache = answer_cache(request)

    async def fetch(period: Period, area: AreaScope) -> ScorecardInputs:
        # Kept like the sources' answers (KPI_REPORT_CACHE_S); the report gives the
        # scorecard's generated_at as the KPI service's as-of time.
        key = ("kpi", "scorecard+series", period.text, area.code or "")
        kept = cache.get(key)
        if kept is not None:
            inputs: ScorecardInputs = kept[1]
            return inputs
        inputs = await compute(period, area)
        if inputs.scorecard is not None:
            cache.put(key, inputs.scorecard.generated_at, inputs)
        return inputs

    async def compute(period: Period, area: AreaScope) -> ScorecardInputs:
        try:
            card = await build_scorecard(session, sources, period=period.text, area=area.code)
        except ProblemError as exc:
            return ScorecardInputs(reason=exc.detail or exc.title)
        except SourceUnavailable as exc:
            return ScorecardInputs(reason=exc.reason)
        limit = asyncio.Semaphore(SERIES_AT_ONCE)
        codes = [k.code for k in card.kpis() if k.status is KpiStatus.available]
        found = await asyncio.gather(*(series(c, period, area.code, limit) for c in codes))
        return ScorecardInputs(
            scorecard=card, series={c: s for c, s in zip(codes, found, strict=True) if s}
        )

    return fetch
