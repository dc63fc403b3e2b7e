"""Import warnings: supplier codes kept as given, but those matching no population margin named.

An area, age band or sex that no margin has (`NOWHERE`, `17-20`, `other`) is stored as sent
(it is the supplier's code), yet representativeness and weighting cannot place it: the job
says so, per column, with how many rows and a few example values (most frequent first). A
dimension without any margins is not checked (there is nothing to match against).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.survey.population.models import PopulationMargin

MARGINS = PopulationMargin.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
EXAMPLES = 5
COLUMNS = ("area", "age_band", "sex")


async def margin_categories(conn: AsyncConnection, survey_id: int) -> dict[str, set[str]]:
    """The values each import column may take to match a margin (empty: no margins)."""
    rows = await conn.execute(
        select(MARGINS.c.dimension, MARGINS.c.category).where(MARGINS.c.survey_id == survey_id)
    )
    out: dict[str, set[str]] = {column: set() for column in COLUMNS}
    for dimension, category in rows:
        if dimension == "area":
            out["area"].add(category)
        elif dimension == "age_band_sex":
            age, _, sex = category.partition("|")
            out["age_band"].add(age)
            out["sex"].add(sex)
    return out


async def unmatched_values(
    conn: AsyncConnection, table: str, survey_id: int, *, staged: bool = False
) -> list[dict[str, Any]]:
    """One warning per column whose values in `table` (the staged file when `staged`, else the
    survey's responses after a first load) match no margin: rows, distinct values, examples.
    Runs in a transaction of its own on `conn`."""
    async with conn.begin():
        return await _unmatched(conn, table, survey_id, staged=staged)


async def _unmatched(
    conn: AsyncConnection, table: str, survey_id: int, *, staged: bool
) -> list[dict[str, Any]]:
    known = await margin_categories(conn, survey_id)
    warnings: list[dict[str, Any]] = []
    for column in COLUMNS:
        if not known[column]:
            continue
        where = f"{column} IS NOT NULL AND {column} NOT IN :known"
        if not staged:
            where += " AND survey_id = :survey_id"
        params: dict[str, Any] = {"known": sorted(known[column]), "survey_id": survey_id}
        # `table` and `column` come from this module and its callers, never from a request.
        counted = text(
            f"SELECT {column}, count(*) AS n FROM {table} WHERE {where} "
            f"GROUP BY {column} ORDER BY n DESC, {column}"
        ).bindparams(bindparam("known", expanding=True))
        groups = (await conn.execute(counted, params)).all()
        if not groups:
            continue
        warnings.append(
            {
                "column": column,
                "rows": sum(int(n) for _, n in groups),
                "values": len(groups),
                "examples": [value for value, _ in groups[:EXAMPLES]],
                "message": f"{len(groups)} {column} value(s) match no population margin; "
                "kept as given, but representativeness and weighting cannot place them",
            }
        )
    return warnings
