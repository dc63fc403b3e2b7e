"""Demo data for the KPI service: three years of measurements and a target for every KPI.

Measurements cover the 36 whole months before the current one, per district of the activity
demo (the codes are repeated here: the KPI service never reads another service's tables):
social-media posts (interactions per post rise after a digital push 15 months ago, a process
change the social-media KPI's chart is rebased at), 2-minute survey response rates, beat-page
views (with a summer dip), and officers in and out of station by hour on one day a week.
Targets: a force-wide target for every KPI from the start of the demo, and a new year's target
for some from the last April, so the scorecard shows RAG status and dated targets at once
(targets of counts and sums are per month).
Only loaded into an empty store. Deterministic for a given day.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from services.kpi.calculation.periods import (
    Period,
    PeriodKind,
    london_today,
    period_of_date,
    period_of_month,
)
from services.kpi.catalogue.models import KpiDefinition
from services.kpi.measurements import repository as measurements
from services.kpi.measurements.models import Measurement, SocialAccount
from services.kpi.targets.models import FORCE_WIDE, KpiTarget
from shared.db import Database

MONTHS = 36
DISTRICTS = ("BRS", "NSM", "SGL", "BNE", "SOM", "SDN")  # the activity demo's districts
DISTRICT_SIZE = {"BRS": 1.6, "NSM": 0.8, "SGL": 1.0, "BNE": 0.7, "SOM": 1.1, "SDN": 0.6}
PUSH_MONTHS_AGO = 15  # the digital engagement push: a dated process change

# code -> (value, tolerance) from the start, and (value, tolerance) from the last April or None.
TARGETS: dict[str, tuple[tuple[float, float], tuple[float, float] | None]] = {
    "visibility_seen_officer": ((45.0, 5.0), None),
    "time_out_of_station": ((60.0, 5.0), (65.0, 5.0)),
    "beat_profiles_with_photos": ((70.0, 10.0), (80.0, 10.0)),
    "beat_page_priorities_up_to_date": ((60.0, 10.0), None),
    "beat_page_views": ((14_000.0, 1_500.0), (15_000.0, 1_500.0)),
    "school_engagements": ((40.0, 5.0), (45.0, 5.0)),
    "social_media_interactions": ((40.0, 5.0), (50.0, 5.0)),
    "two_minute_survey_response_rate": ((12.0, 1.5), None),
    "public_confidence": ((60.0, 5.0), None),
    "local_meeting_engagements": ((100.0, 10.0), None),
    "youth_engagement_panels": ((10.0, 2.0), None),
    "cip_volunteer_hours": ((6_200.0, 600.0), None),
    "active_nhw_schemes": ((8.0, 2.0), None),
    "active_speedwatch_schemes": ((8.0, 2.0), None),
    "opcc_informed": ((40.0, 5.0), None),
    "opcc_have_say": ((30.0, 5.0), None),
}


def _row(
    kpi: str,
    period: Period,
    area: str,
    ref: str,
    value: float,
    numerator: float | None = None,
    denominator: float | None = None,
    hour: int | None = None,
    at: datetime | None = None,
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "kpi_code": kpi,
        "period": period.text,
        "first_month": period.first_month,
        "last_month": period.last_month,
        "area": area,
        "district": area,
        "source_ref": ref,
        "hour": hour,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "version": 1,
        "recorded_at": at,
        "updated_at": at,
    }


def _month_rows(
    rng: random.Random, month: Period, age: int, at: datetime
) -> list[dict[str, object]]:
    """One month's measurements per district; `age` is months before the current month."""
    rows: list[dict[str, object]] = []
    pushed = age <= PUSH_MONTHS_AGO
    summer = month.start.month in (7, 8)
    for district in DISTRICTS:
        size = DISTRICT_SIZE[district]
        for post in range(int(rng.uniform(8, 14) * size)):
            interactions = float(max(0, round(rng.gauss(52 if pushed else 38, 9))))
            rows.append(
                _row(
                    "social_media_interactions",
                    month,
                    district,
                    f"facebook:{district.lower()}-npt-{month.text}-{post}",
                    interactions,
                    interactions,
                    1.0,
                    at=at,
                )
            )
        invitations = round(2400 * size * rng.uniform(0.9, 1.1))
        rate = rng.gauss(0.125, 0.008)
        rows.append(
            _row(
                "two_minute_survey_response_rate",
                month,
                district,
                f"two-minute-survey:{month.text}",
                round(100 * round(invitations * rate) / invitations, 4),
                float(round(invitations * rate)),
                float(invitations),
                at=at,
            )
        )
        views = 2700 * size * (0.8 if summer else 1.0) * rng.uniform(0.92, 1.08)
        rows.append(
            _row("beat_page_views", month, district, f"web:{month.text}", round(views), at=at)
        )
    return rows


def _station_rows(rng: random.Random, month: Period, at: datetime) -> list[dict[str, object]]:
    """Officers in and out of station by hour, on each Wednesday of the month."""
    rows: list[dict[str, object]] = []
    day = month.start + timedelta(days=(2 - month.start.weekday()) % 7)
    while day <= month.end:
        for district in DISTRICTS:
            size = DISTRICT_SIZE[district]
            for hour in range(24):
                daytime = 7 <= hour <= 22
                on_duty = max(1, round((14 if daytime else 5) * size * rng.uniform(0.85, 1.15)))
                share = (0.66 if daytime else 0.45) - (0.12 if hour in (7, 15, 23) else 0.0)
                out = min(on_duty, max(0, round(on_duty * rng.gauss(share, 0.05))))
                rows.append(
                    _row(
                        "time_out_of_station",
                        month,
                        district,
                        f"{day.isoformat()}T{hour:02d}",
                        round(100 * out / on_duty, 4),
                        float(out),
                        float(on_duty),
                        hour=hour,
                        at=at,
                    )
                )
        day += timedelta(days=7)
    return rows


def _targets(first_day: date, today: date) -> list[dict[str, object]]:
    april = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    for code, ((value, tolerance), later) in TARGETS.items():
        base = {"kpi_code": code, "area": FORCE_WIDE, "note": "Demo target", "created_at": now}
        rows.append(
            {
                **base,
                "id": uuid.uuid4(),
                "valid_from": first_day,
                "valid_to": april - timedelta(days=1) if later else None,
                "value": value,
                "tolerance": tolerance,
            }
        )
        if later:
            rows.append(
                {
                    **base,
                    "id": uuid.uuid4(),
                    "valid_from": april,
                    "valid_to": None,
                    "value": later[0],
                    "tolerance": later[1],
                }
            )
    return rows


async def load_demo(db: Database, size: int) -> bool:
    """Load the demo measurements and targets; False (nothing done) when the store has any."""
    rng = random.Random(2022 + size)
    today = london_today()
    current = period_of_date(today, PeriodKind.month)
    at = datetime.now(UTC)
    async with db.write_session() as session:
        measured = (await session.execute(select(func.count()).select_from(Measurement))).scalar()
        targeted = (await session.execute(select(func.count()).select_from(KpiTarget))).scalar()
        if measured or targeted:
            return False
        rows: list[dict[str, object]] = []
        for age in range(MONTHS, 0, -1):
            month = current.shifted(-age)
            rows += _month_rows(rng, month, age, at)
            rows += _station_rows(rng, month, at)
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Measurement), rows[start : start + 5000])
        await measurements.refresh_totals(
            session, {(str(r["kpi_code"]), str(r["period"]), str(r["area"])) for r in rows}
        )
        first_day = period_of_month(current.shifted(-MONTHS).first_month, PeriodKind.year).start
        await session.execute(insert(KpiTarget), _targets(first_day, today))
        push = current.shifted(-PUSH_MONTHS_AGO).start
        await session.execute(
            update(KpiDefinition)
            .where(col(KpiDefinition.code) == "social_media_interactions")
            .values(spc_changes=[push.isoformat()])
        )
        await session.execute(
            insert(SocialAccount),
            [
                {
                    "account": f"{d.lower()}-npt",
                    "area": d,
                    "district": d,
                    "network": "facebook",
                    "updated_at": at,
                }
                for d in DISTRICTS
            ],
        )
        await session.commit()
    return True
