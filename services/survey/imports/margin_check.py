"""Import warnings: supplier codes kept as given, but those matching no population margin named.

An area, age band or sex that no margin has (`NOWHERE`, `17-20`, `other`) is stored as sent
(it is the supplier's code), yet representativeness and weighting cannot place it: the job
says so, per column, with how many rows and a few example values (most frequent first). A
dimension without any margins is not checked (there is nothing to match against).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.survey.imports import repository
from services.survey.population.repository import margin_rows

EXAMPLES = 5
COLUMNS = ("area", "age_band", "sex")


async def margin_categories(conn: AsyncConnection, survey_id: int) -> dict[str, set[str]]:
    """The values each import column may take to match a margin (empty: no margins)."""
    out: dict[str, set[str]] = {column: set() for column in COLUMNS}
    for dimension, category, _population in await margin_rows(conn, survey_id):
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
        groups = await repository.unmatched_counts(
            conn, table, column, known[column], survey_id, staged=staged
        )
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
