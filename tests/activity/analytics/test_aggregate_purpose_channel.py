"""The aggregate grouped by purpose (inform / consult / co-operate) and channel: counted from
the activities (the monthly counts are not kept by them), with the same counting rules."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import assert_problem
from tests.support.factories import batch_item

AGGREGATE = "/api/v1/activities/aggregate"


async def _load(client: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    response = await client.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(items)


def _activities() -> list[dict[str, Any]]:
    start = datetime(2022, 7, 4, 10, tzinfo=UTC)
    mix = [
        ("consult", "face_to_face", 5),
        ("inform", "social_media", 3),
        ("co_operate", "face_to_face", 2),
        (None, "online", 1),
    ]
    out = []
    for purpose, channel, count in mix:
        for n in range(count):
            out.append(
                batch_item(
                    purpose=purpose,
                    channel=channel,
                    starts_at=(start + timedelta(days=9 * n)).isoformat(),
                    ends_at=None,
                )
            )
    # Neither counts: a planned activity (only completed count by default) and one outside.
    out.append(
        batch_item(status="planned", purpose="inform", starts_at=start.isoformat(), ends_at=None)
    )
    october = datetime(2022, 10, 2, 10, tzinfo=UTC).isoformat()
    out.append(batch_item(purpose="inform", starts_at=october, ends_at=None))
    return out


async def test_grouped_by_purpose_and_channel(activity_client: httpx.AsyncClient) -> None:
    items = _activities()
    await _load(activity_client, items)
    quarter = {"from": "2022-07-01", "to": "2022-09-30"}
    counted = [
        a
        for a in items
        if a["status"] == "completed" and a["starts_at"] < "2022-10-01"  # what the rules count
    ]
    response = await activity_client.get(
        AGGREGATE, params={"group_by": "purpose,channel", **quarter}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    got = {(r["purpose"], r["channel"]): r["activities"] for r in body["rows"]}
    assert got == dict(Counter((a["purpose"], a["channel"]) for a in counted))
    assert body["totals"]["activities"] == len(counted) == 11
    # Months beside purpose, over whole months (where PostgreSQL reads its monthly counts).
    by_month = await activity_client.get(
        AGGREGATE, params={"group_by": "period,purpose", **quarter}
    )
    rows = by_month.json()["rows"]
    assert sum(r["activities"] for r in rows if r["purpose"] == "consult") == 5
    assert {r["period"] for r in rows} <= {"2022-07", "2022-08", "2022-09"}
    by_channel = await activity_client.get(AGGREGATE, params={"group_by": "channel", **quarter})
    channels = {r["channel"]: r["activities"] for r in by_channel.json()["rows"]}
    assert channels == {"face_to_face": 7, "social_media": 3, "online": 1}
    assert all(r["purpose"] is None for r in by_channel.json()["rows"])


async def test_an_unknown_grouping_names_the_choices(activity_client: httpx.AsyncClient) -> None:
    response = await activity_client.get(AGGREGATE, params={"group_by": "purpose,venue"})
    body = assert_problem(response, 422, "query.group_by.1")
    assert "purpose" in body["errors"][0]["message"]
    assert "channel" in body["errors"][0]["message"]
