"""A resent import file changes nothing at all (every format): the same rows, ids, versions
and times; a corrected row is updated in place, never duplicated."""

from __future__ import annotations

import httpx
import pytest

from tests.kpi.conftest import Stack
from tests.kpi.test_measurements import GENERIC, SOCIAL, STATION, _import, _stored


async def _all_stored(client: httpx.AsyncClient) -> list[dict[str, object]]:
    return sorted(
        await _stored(client), key=lambda m: (str(m["kpi"]), str(m["period"]), str(m["source_ref"]))
    )


@pytest.mark.parametrize(
    ("fmt", "content"),
    [("measurements", GENERIC), ("social_posts", SOCIAL), ("station_hours", STATION)],
)
async def test_a_resent_file_changes_nothing(stack: Stack, fmt: str, content: str) -> None:
    mapped = await stack.kpi.put("/api/v1/kpis/social-accounts/brs-npt", json={"area": "BRS"})
    assert mapped.status_code == 200, mapped.text
    first = await _import(stack.kpi, content, fmt)
    assert first.status_code == 200, first.text
    assert first.json()["created"] > 0
    before = await _all_stored(stack.kpi)
    again = await _import(stack.kpi, content, fmt)
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["created"], body["updated"]) == (0, 0)
    assert body["unchanged"] == first.json()["created"]
    assert await _all_stored(stack.kpi) == before  # ids, values, versions, times: all as they were


async def test_a_corrected_row_is_updated_in_place(kpi_client: httpx.AsyncClient) -> None:
    assert (await _import(kpi_client, GENERIC, "measurements")).status_code == 200
    before = {m["source_ref"]: m for m in await _all_stored(kpi_client)}
    corrected = GENERIC.replace(",900,", ",905,")
    assert corrected != GENERIC
    response = await _import(kpi_client, corrected, "measurements")
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    after = {m["source_ref"]: m for m in await _all_stored(kpi_client)}
    assert set(after) == set(before)
    changed = [ref for ref in after if after[ref] != before[ref]]
    assert len(changed) == 1
    row = after[changed[0]]
    assert (row["value"], row["version"], row["id"]) == (905.0, 2, before[changed[0]]["id"])
