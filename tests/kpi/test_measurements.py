"""Measurements: all or nothing, idempotent per KPI + period + area + source reference."""

from __future__ import annotations

import httpx

from tests.conftest import assert_problem
from tests.kpi.conftest import Stack
from tests.support.factories import measurement_payload

PATH = "/api/v1/kpis/measurements"


async def _stored(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    response = await client.get(PATH, params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_resent_measurement_changes_nothing(kpi_client: httpx.AsyncClient) -> None:
    body = measurement_payload(source_ref="web:2022-09")
    first = await kpi_client.post(PATH, json=body)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (1, 0)
    again = await kpi_client.post(PATH, json=[body, body])  # twice in one request, too
    assert again.json()["unchanged"] == 1
    assert again.json()["items"][0]["id"] == first.json()["items"][0]["id"]
    stored = await _stored(kpi_client, kpi="beat_page_views")
    assert len(stored) == 1
    assert stored[0]["version"] == 1
    corrected = await kpi_client.post(PATH, json={**body, "value": 1300})
    assert corrected.json()["updated"] == 1
    stored = await _stored(kpi_client, kpi="beat_page_views")
    assert [(s["value"], s["version"]) for s in stored] == [(1300.0, 2)]
    other_ref = await kpi_client.post(PATH, json={**body, "source_ref": "web:second-site"})
    assert other_ref.json()["created"] == 1
    assert len(await _stored(kpi_client, kpi="beat_page_views")) == 2


async def test_ratios_are_computed_and_checked(kpi_client: httpx.AsyncClient) -> None:
    body = {
        "kpi": "two_minute_survey_response_rate",
        "period": "2022-Q3",
        "numerator": 30,
        "denominator": 200,
    }
    response = await kpi_client.post(PATH, json=body)
    assert response.status_code == 200, response.text
    (stored,) = await _stored(kpi_client, kpi="two_minute_survey_response_rate")
    assert stored["value"] == 15.0
    missing = {**body, "denominator": None}
    assert_problem(await kpi_client.post(PATH, json=missing), 422, "body.denominator")
    over = {**body, "numerator": 300}
    assert_problem(await kpi_client.post(PATH, json=over), 422, "body.numerator")


async def test_bad_items_refuse_the_whole_request(kpi_client: httpx.AsyncClient) -> None:
    good = measurement_payload(source_ref="good")
    bad = [
        good,
        measurement_payload(kpi="no_such_kpi"),
        measurement_payload(kpi="school_engagements"),  # computed from the activity service
        measurement_payload(unit="percent"),
        measurement_payload(value=-1),
        {"kpi": "time_out_of_station", "period": "2022-09", "value": 101, "numerator": None},
        measurement_payload(period="2022-Q5"),
        measurement_payload(period="2022-09-01"),
        measurement_payload(source_ref="good", value=5),  # same identity, other figures
    ]
    body = assert_problem(
        await kpi_client.post(PATH, json=bad),
        422,
        "body.1.kpi",
        "body.2.kpi",
        "body.3.unit",
        "body.4.value",
        "body.5.numerator",
        "body.6.period",
        "body.7.period",
        "body.8.source_ref",
    )
    assert "body.0" not in {e["field"] for e in body["errors"]}
    assert await _stored(kpi_client) == []
    over = {"kpi": "two_minute_survey_response_rate", "period": "2022-09", "value": 100.5}
    assert_problem(await kpi_client.post(PATH, json=over), 422, "body.value")


async def test_unknown_area_is_refused(stack: Stack) -> None:
    response = await stack.kpi.post(PATH, json=measurement_payload(area="NOWHERE"))
    assert_problem(response, 422, "body.area")
    known = await stack.kpi.post(PATH, json=measurement_payload(area="BRS-01"))
    assert known.status_code == 200, known.text
    (stored,) = await _stored(stack.kpi, area="BRS")  # a district holds its neighbourhoods
    assert (stored["area"], stored["district"]) == ("BRS-01", "BRS")


async def test_area_check_when_the_activity_service_is_unset(
    kpi_client: httpx.AsyncClient,
) -> None:
    response = await kpi_client.post(PATH, json=measurement_payload(area="BRS"))
    body = assert_problem(response, 503)
    assert "nothing was stored" in body["detail"]
    assert await _stored(kpi_client) == []


GENERIC = (
    "kpi,period,area,source_ref,value,numerator,denominator\n"
    "beat_page_views,2022-07,,web:2022-07,900,,\n"
    "beat_page_views,2022-08,,web:2022-08,950,,\n"
    "two_minute_survey_response_rate,2022-08,,tms:2022-08,,40,400\n"
)


async def _import(client: httpx.AsyncClient, content: str, fmt: str) -> httpx.Response:
    return await client.post(
        f"{PATH}/imports",
        params={"format": fmt},
        files={"file": ("export.csv", ("\ufeff" + content).encode(), "text/csv")},
    )


async def test_csv_import_is_all_or_nothing_and_resending_changes_nothing(
    kpi_client: httpx.AsyncClient,
) -> None:
    first = await _import(kpi_client, GENERIC, "measurements")
    assert first.status_code == 200, first.text
    assert (first.json()["rows"], first.json()["created"]) == (3, 3)
    again = await _import(kpi_client, GENERIC, "measurements")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    assert len(await _stored(kpi_client)) == 3
    broken = GENERIC + "beat_page_views,2022-13,,web:x,5,,\nbeat_page_views,2022-09,,web:y,-4,,\n"
    body = assert_problem(
        await _import(kpi_client, broken.replace("900", "901"), "measurements"),
        422,
        "file.row.5.period",
        "file.row.6.value",
    )
    assert len(body["errors"]) == 2
    stored = await _stored(kpi_client, kpi="beat_page_views")
    assert {s["value"] for s in stored} == {900.0, 950.0}  # the good rows were not applied


SOCIAL = (
    "Date,Account,Network,Post ID,Impressions,Reactions,Comments,Shares,Clicks\n"
    "2022-09-03 10:15,brs-npt,Facebook,p1,1200,40,5,3,12\n"
    "2022-09-20 18:00,brs-npt,Facebook,p2,900,20,2,1,7\n"
    "2022-08-31T23:30:00Z,brs-npt,Facebook,p3,300,10,0,0,0\n"
    "2022-09-05 09:00,force-news,Twitter,t1,5000,100,10,20,30\n"
)


async def test_social_post_export_counts_interactions_per_post_by_area(stack: Stack) -> None:
    mapped = await stack.kpi.put("/api/v1/kpis/social-accounts/brs-npt", json={"area": "BRS"})
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["district"] == "BRS"
    bad_area = await stack.kpi.put("/api/v1/kpis/social-accounts/x", json={"area": "NOPE"})
    assert_problem(bad_area, 422, "body.area")
    response = await _import(stack.kpi, SOCIAL, "social_posts")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 4
    assert "force-news" in result["warnings"][0]
    stored = await _stored(stack.kpi, kpi="social_media_interactions")
    by_ref = {s["source_ref"]: s for s in stored}
    assert by_ref["facebook:p1"]["value"] == 60.0
    # 23:30 UTC on 31 August is 00:30 on 1 September in London.
    assert by_ref["facebook:p3"]["period"] == "2022-09"
    assert by_ref["facebook:p1"]["area"] == "BRS"
    assert by_ref["twitter:t1"]["area"] is None
    card = (
        await stack.kpi.get("/api/v1/kpis/scorecard", params={"period": "2022-09", "area": "BRS"})
    ).json()
    kpi = next(k for k in _kpis(card) if k["code"] == "social_media_interactions")
    assert kpi["value"] == round((60 + 30 + 10) / 3, 4)
    assert (kpi["numerator"], kpi["denominator"]) == (100.0, 3.0)
    again = await _import(stack.kpi, SOCIAL, "social_posts")
    assert again.json()["unchanged"] == 4
    broken = (
        SOCIAL
        + "yesterday,brs-npt,Facebook,p9,1,1,1,1,1\n2022-09-01,brs-npt,Facebook,p8,1,-2,0,0,0\n"
    )
    assert_problem(
        await _import(stack.kpi, broken, "social_posts"),
        422,
        "file.row.6.date",
        "file.row.7.reactions",
    )


STATION = (
    "date,area,hour,officers_in,officers_out\n"
    "2022-09-07,BRS,9,4,6\n"
    "2022-09-07,BRS,10,2,8\n"
    "2022-09-14,BRS,9,6,4\n"
)


async def test_station_hours_give_a_24_hour_profile(stack: Stack) -> None:
    response = await _import(stack.kpi, STATION, "station_hours")
    assert response.status_code == 200, response.text
    profile = await stack.kpi.get(
        "/api/v1/kpis/time_out_of_station/profile", params={"period": "2022-Q3", "area": "BRS"}
    )
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert body["days"] == 2
    assert len(body["hours"]) == 24
    nine = body["hours"][9]
    assert (nine["officers_in"], nine["officers_out"], nine["out_share"]) == (5.0, 5.0, 50.0)
    assert body["hours"][10]["out_share"] == 80.0
    assert body["hours"][3]["out_share"] is None
    assert body["out_share"] == round(100 * 18 / 30, 3)
    card = (
        await stack.kpi.get("/api/v1/kpis/scorecard", params={"period": "2022-09", "area": "BRS"})
    ).json()
    kpi = next(k for k in _kpis(card) if k["code"] == "time_out_of_station")
    assert kpi["value"] == 60.0
    bad = STATION + "2022-09-21,BRS,24,1,1\n2022-09-21,BRS,8,0,0\n"
    assert_problem(
        await _import(stack.kpi, bad, "station_hours"),
        422,
        "file.row.5.hour",
        "file.row.6.officers_in",
    )


def _kpis(card: dict[str, object]) -> list[dict[str, object]]:
    return [
        kpi
        for pillar in card["pillars"]  # type: ignore[attr-defined]
        for objective in pillar["objectives"]
        for output in objective["outputs"]
        for kpi in output["kpis"]
    ]


async def test_import_refuses_what_is_not_csv_text(kpi_client: httpx.AsyncClient) -> None:
    nul = "kpi,period,value,source_ref\nbeat_page_views,2022-09,5,web\x00x\n"
    assert_problem(await _import(kpi_client, nul, "measurements"), 422, "file.row.2.source_ref")
    latin = await kpi_client.post(
        f"{PATH}/imports",
        files={
            "file": (
                "x.csv",
                "kpi,period,value\nbeat_page_views,2022-09,5\xe9\n".encode("latin-1"),
                "text/csv",
            )
        },
    )
    assert_problem(latin, 422, "file")
    empty = await kpi_client.post(f"{PATH}/imports", files={"file": ("x.csv", b"", "text/csv")})
    assert_problem(empty, 422, "file")
    assert_problem(await _import(kpi_client, GENERIC, "xml"), 422, "query.format")
    assert await _stored(kpi_client) == []
