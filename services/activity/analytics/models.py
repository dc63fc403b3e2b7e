"""Tables of the monthly counts that aggregates read on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    String,
)
from sqlmodel import Field

from services.activity.models import ActivityTable

# --- monthly counts (PostgreSQL) -----------------------------------------------------------
# Year-long aggregates over millions of activities read these (~1 row per 20 activities)
# instead of the activities. PostgreSQL keeps them exact with row triggers on
# `activity_activity` (migration 853f2df08a44): every counted change appends a signed row to
# `activity_month_count_change` (inserts only: concurrent writers never wait on a shared
# counter row), and housekeeping folds those rows into `activity_month_count` every few
# seconds. A count is the sum over both tables, so it is exact before and after a fold. On
# SQLite both tables stay empty: aggregates read the activities there.
# `activity_district_month_count` is the folded counts summed over each district's areas (~1
# row per 6 of them), kept by statement triggers on `activity_month_count` (migration
# 7c1d5e9a2b40) in the fold's own transaction: answers that neither group nor filter by area
# read it instead of the folded counts.


class ActivityMonthCount(ActivityTable, table=True):
    """Counted (not deleted) activities per month and counting dimensions, folded."""

    __tablename__ = "activity_month_count"

    status: str = Field(sa_column=Column(String(20), primary_key=True))
    local_month: int = Field(sa_column=Column(Integer, primary_key=True))
    district_code: str = Field(sa_column=Column(String(40), primary_key=True))
    area_code: str = Field(sa_column=Column(String(40), primary_key=True))
    directorate: str = Field(sa_column=Column(String(40), primary_key=True))
    activity_type: str = Field(sa_column=Column(String(40), primary_key=True))
    classification: str = Field(sa_column=Column(String(20), primary_key=True))
    activities: int = Field(sa_column=Column(BigInteger, nullable=False))
    attendees: int = Field(sa_column=Column(BigInteger, nullable=False))
    young_people: int = Field(sa_column=Column(BigInteger, nullable=False))


class ActivityMonthCountChange(ActivityTable, table=True):
    """A signed change to the monthly counts, appended by trigger, not yet folded."""

    __tablename__ = "activity_month_count_change"

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    status: str = Field(sa_column=Column(String(20), nullable=False))
    local_month: int = Field(sa_column=Column(Integer, nullable=False))
    district_code: str = Field(sa_column=Column(String(40), nullable=False))
    area_code: str = Field(sa_column=Column(String(40), nullable=False))
    directorate: str = Field(sa_column=Column(String(40), nullable=False))
    activity_type: str = Field(sa_column=Column(String(40), nullable=False))
    classification: str = Field(sa_column=Column(String(20), nullable=False))
    activities: int = Field(sa_column=Column(Integer, nullable=False))
    attendees: int = Field(sa_column=Column(BigInteger, nullable=False))
    young_people: int = Field(sa_column=Column(BigInteger, nullable=False))


class ActivityDistrictMonthCount(ActivityTable, table=True):
    """The folded monthly counts summed over the areas of each district (no `area_code`)."""

    __tablename__ = "activity_district_month_count"

    status: str = Field(sa_column=Column(String(20), primary_key=True))
    local_month: int = Field(sa_column=Column(Integer, primary_key=True))
    district_code: str = Field(sa_column=Column(String(40), primary_key=True))
    directorate: str = Field(sa_column=Column(String(40), primary_key=True))
    activity_type: str = Field(sa_column=Column(String(40), primary_key=True))
    classification: str = Field(sa_column=Column(String(20), primary_key=True))
    activities: int = Field(sa_column=Column(BigInteger, nullable=False))
    attendees: int = Field(sa_column=Column(BigInteger, nullable=False))
    young_people: int = Field(sa_column=Column(BigInteger, nullable=False))
