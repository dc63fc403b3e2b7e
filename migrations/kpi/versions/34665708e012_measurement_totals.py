"""measurement totals per KPI, period, area and district

The scorecard and series summed every stored measurement of their measured KPIs per request
(a GROUP BY over ~17k rows of the KPI demo, ~20 ms of PostgreSQL CPU a scorecard);
`kpi_measurement_total` holds those sums per group (~1 row per 30 measurements), recomputed
by the measurements repository in the transaction of each write. Existing measurements are
summed here once.

Revision ID: 34665708e012
Revises: 373a912cc096
Create Date: 2026-12-01 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "34665708e012"
down_revision: str | None = "373a912cc096"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "kpi_code, period, area, coalesce(district, ''), first_month, last_month"


def upgrade() -> None:
    op.create_table(
        "kpi_measurement_total",
        sa.Column("kpi_code", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.Column("first_month", sa.Integer(), nullable=False),
        sa.Column("last_month", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.Column("numerator_sum", sa.Float(), nullable=True),
        sa.Column("denominator_sum", sa.Float(), nullable=True),
        sa.Column("last_updated", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "kpi_code", "period", "area", "district", name=op.f("pk_kpi_measurement_total")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Writers in flight commit first, and none starts before this does.
        op.execute("LOCK TABLE kpi_measurement IN SHARE MODE")
    # As the repository sums them (a missing district is stored as '', like a missing area).
    op.execute(
        "INSERT INTO kpi_measurement_total (kpi_code, period, area, district, first_month, "
        "last_month, count, value_sum, numerator_sum, denominator_sum, last_updated) "
        f"SELECT {GROUP}, count(*), sum(value), sum(numerator), sum(denominator), "
        f"max(updated_at) FROM kpi_measurement GROUP BY {GROUP}"
    )


def downgrade() -> None:
    op.drop_table("kpi_measurement_total")
