"""Finding: filters, full-text search, cursor pages, CSV export."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.conftest import assert_problem
from tests.support.factories import activity_payload


async def _post(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    response = await client.post("/api/v1/activities", json=activity_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _ids(client: httpx.AsyncClient, **params: object) -> set[object]:
    response = await client.get("/api/v1/activities", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return {i["id"] for i in response.json()["items"]}


async def test_every_filter(activity_client: httpx.AsyncClient) -> None:
    september = {"starts_at": "2022-09-10T10:00:00Z", "ends_at": None}
    a = await _post(activity_client, area="BRS-01", topics=["drugs"], **september)
    b = await _post(
        activity_client,
        area="NSM-01",
        directorate="fraud_cyber_protect",
        activity_type="crime_prevention_talk",
        classification="communication",
        topics=["fraud", "cyber"],
        status="planned",
        starts_at="2022-10-01T00:30:00+01:00",  # local 1 October, UTC 30 September
        ends_at=None,
    )
    c = await _post(activity_client, area="NSM-02", status="cancelled", **september)
    client = activity_client
    assert await _ids(client, area="BRS-01") == {a["id"]}
    assert await _ids(client, district="NSM") == {b["id"], c["id"]}
    assert await _ids(client, directorate="fraud_cyber_protect") == {b["id"]}
    assert await _ids(client, activity_type="crime_prevention_talk") == {b["id"]}
    assert await _ids(client, classification="communication") == {b["id"]}
    assert await _ids(client, topic="cyber") == {b["id"]}
    assert await _ids(client, topic="asb") == {c["id"]}
    assert await _ids(client, status="cancelled") == {c["id"]}
    assert await _ids(client, review_state="received") == {a["id"], b["id"], c["id"]}
    # Days are local (Europe/London): b starts on 1 October locally.
    assert await _ids(client, **{"from": "2022-10-01"}) == {b["id"]}
    assert b["id"] not in await _ids(client, to="2022-09-30")
    assert_problem(
        await client.get("/api/v1/activities", params={"topic": "knitting"}), 422, "query.topic"
    )
    assert_problem(
        await client.get("/api/v1/activities", params={"from": "2022-10-02", "to": "2022-10-01"}),
        422,
        "query.to",
    )
    assert_problem(
        await client.get("/api/v1/activities", params={"limit": 501}), 422, "query.limit"
    )
    assert_problem(
        await client.get("/api/v1/activities", params={"cursor": "zzz"}), 422, "query.cursor"
    )


async def test_full_text_search(activity_client: httpx.AsyncClient) -> None:
    in_title = await _post(activity_client, title="Knife crime assembly at the academy")
    in_notes = await _post(activity_client, notes="Parents worried about knife crime near the park")
    in_feedback = await _post(
        activity_client,
        outcome={"community_feedback": "Residents asked about burglaries on Elm Road"},
    )
    in_debrief = await _post(
        activity_client, debrief={"lessons": "Book the hall earlier; parking was short"}
    )
    await _post(activity_client, title="Unrelated surgery")
    client = activity_client
    assert await _ids(client, q="knife") == {in_title["id"], in_notes["id"]}
    assert await _ids(client, q="burglary") == {in_feedback["id"]}  # stemmed
    assert await _ids(client, q="parking hall") == {in_debrief["id"]}
    assert await _ids(client, q="parking elephants") == set()
    # FTS operators and quotes are taken as plain text, never as query syntax.
    assert await _ids(client, q='"academy* (NEAR') == set()
    assert await _ids(client, q='"academy" (-') == {in_title["id"]}
    assert_problem(await client.get("/api/v1/activities", params={"q": "!!!"}), 422, "query.q")
    # Search follows amendments.
    patched = await client.patch(
        f"/api/v1/activities/{in_debrief['id']}",
        json={"debrief": None, "notes": "Elephants at the fete"},
        headers={"If-Match": '"1"', "content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert await _ids(client, q="hall") == set()
    assert await _ids(client, q="elephant") == {in_debrief["id"]}
    # Combined with a filter.
    assert await _ids(client, q="knife", area="BRS-02") == set()


async def test_pages_are_stable_with_equal_start_times(activity_client: httpx.AsyncClient) -> None:
    same = "2022-09-20T10:00:00Z"
    ids = {(await _post(activity_client, starts_at=same, ends_at=None))["id"] for _ in range(5)}
    seen: list[object] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await activity_client.get("/api/v1/activities", params=params)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5
    assert set(seen) == ids


async def test_csv_export_is_filtered_and_spreadsheet_safe(
    activity_client: httpx.AsyncClient,
) -> None:
    dangerous = [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        'Plain, with comma and "quotes"',
    ]
    for title in dangerous:
        await _post(activity_client, title=title, notes="=cmd|' /C calc'!A0", area="BRS-02")
    await _post(activity_client, area="NSM-01", title="Elsewhere")
    response = await activity_client.get(
        "/api/v1/activities/export.csv", params={"district": "BRS"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    titles = {r["title"] for r in rows}
    assert titles == {
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        'Plain, with comma and "quotes"',
    }
    assert {r["notes"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["district"] for r in rows} == {"BRS"}
    assert rows[0]["topics"] == "asb"


async def test_csv_export_follows_search_and_local_day_filters(
    activity_client: httpx.AsyncClient,
) -> None:
    async def post(title: str, starts_at: str, **overrides: object) -> str:
        body = await _post(
            activity_client, title=title, starts_at=starts_at, ends_at=None, **overrides
        )
        return str(body["id"])

    # Local (Europe/London) days: 00:30 BST on 1 October is 23:30 UTC on 30 September.
    first_october = await post("Knife crime assembly", "2022-10-01T00:30:00+01:00")
    last_september = await post("Knife crime talk", "2022-09-30T22:30:00+01:00")
    later = await post("Knife crime workshop", "2022-10-20T10:00:00+01:00")
    await post("Speeding surgery", "2022-10-05T10:00:00+01:00", notes="Nothing about blades")
    await post(
        "Youth club visit",
        "2022-10-06T10:00:00+01:00",
        outcome={"community_feedback": "Parents fear knife crime"},
    )

    async def exported(**params: str) -> list[dict[str, str]]:
        response = await activity_client.get("/api/v1/activities/export.csv", params=params)
        assert response.status_code == 200, response.text
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    october = await exported(**{"q": "knife", "from": "2022-10-01", "to": "2022-10-19"})
    assert [r["title"] for r in october] == ["Youth club visit", "Knife crime assembly"]
    assert october[1]["id"] == first_october
    assert october[1]["local_date"] == "2022-10-01"
    september = await exported(q="knife", to="2022-09-30")
    assert [r["id"] for r in september] == [last_september]
    from_only = await exported(q="knife crime", **{"from": "2022-10-02"})
    assert {r["title"] for r in from_only} == {"Knife crime workshop", "Youth club visit"}
    assert later in {r["id"] for r in from_only}
    assert await exported(q="knife", **{"from": "2022-10-21"}) == []
    assert_problem(
        await activity_client.get(
            "/api/v1/activities/export.csv", params={"from": "2022-10-02", "to": "2022-10-01"}
        ),
        422,
        "query.to",
    )


async def test_csv_export_streams_more_than_one_batch(
    activity_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.activity.analytics import export
    from tests.support.factories import batch_item

    monkeypatch.setattr(export, "EXPORT_BATCH", 40)
    items = [batch_item(starts_at="2022-09-20T10:00:00Z", ends_at=None) for _ in range(40)]
    items += [batch_item() for _ in range(47)]
    for start in range(0, len(items), 500):
        response = await activity_client.post(
            "/api/v1/activities/batch", json={"items": items[start : start + 500]}
        )
        assert response.status_code == 200
    exported = await activity_client.get("/api/v1/activities/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == len(items)
    assert {r["id"] for r in rows} == {i["id"] for i in items}
