"""The scorecard computed from the activity and survey services and local measurements."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from services.kpi.calculation.periods import PeriodKind, latest_complete
from shared.statistics import two_proportion_z, wilson_interval
from tests.conftest import assert_problem
from tests.kpi.conftest import Stack
from tests.support.factories import activity_payload, survey_responses

CARD = "/api/v1/kpis/scorecard"


def kpis_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        kpi["code"]: kpi
        for pillar in card["pillars"]
        for objective in pillar["objectives"]
        for output in objective["outputs"]
        for kpi in output["kpis"]
    }


async def _post(stack: Stack, path: str, body: Any, client: str = "activity") -> Any:
    response = await getattr(stack, client).post(path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def seed(stack: Stack) -> None:
    """A quarter of activity, registers and survey responses in the test force."""
    for area, kind, when in [
        ("BRS-01", "school_engagement", "2022-07-05T09:00:00+00:00"),
        ("BRS-01", "school_engagement", "2022-08-05T09:00:00+00:00"),
        ("BRS-02", "school_engagement", "2022-09-05T09:00:00+00:00"),
        ("NSM-01", "school_engagement", "2022-09-06T09:00:00+00:00"),
        ("BRS-02", "pact_meeting", "2022-09-07T18:00:00+00:00"),
        ("BRS-02", "iag_meeting", "2022-09-08T18:00:00+00:00"),
        ("BRS-01", "school_engagement", "2022-05-05T09:00:00+00:00"),
    ]:
        body = activity_payload(activity_type=kind, area=area, starts_at=when, ends_at=None)
        body.pop("ends_at")
        await _post(stack, "/api/v1/activities", body)
    for month, hours in (("2022-07", 100.0), ("2022-08", 50.5)):
        hours_body = {"role": "cadet", "month": month, "area": "BRS", "hours": hours}
        await _post(stack, "/api/v1/volunteer-hours", hours_body)
    groups = [
        {"name": "Watch 1", "group_type": "neighbourhood_watch", "area": "BRS-01"},
        {
            "name": "Speedwatch 1",
            "group_type": "community_speedwatch",
            "area": "NSM-01",
            "active_from": "2021-01-01",
            "active_to": "2022-08-01",
        },
        {
            "name": "Youth forum",
            "group_type": "youth_forum",
            "area": "BRS-02",
            "active_from": "2022-09-15",
        },
    ]
    for group in groups:
        await _post(stack, "/api/v1/community-groups", group)
    profile = {
        "contact_details": {"email": "brs01@example.police.uk"},
        "people": [{"name": "Sergeant", "photo_url": "https://example.police.uk/p.jpg"}],
        "priorities": [{"issue": "ASB in the park", "issue_date": "2022-08-20"}],
    }
    patched = await stack.activity.patch(
        "/api/v1/areas/BRS-01",
        json=profile,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    q3 = survey_responses(
        "2022-Q3",
        "BRS",
        {
            "informed": [("very_well", 30), ("fairly_well", 30), ("not_very_well", 60)],
            "have_say": [("yes", 48), ("no", 72)],
            "seen_officer": [("yes", 70), ("no", 50)],
        },
    )
    q2 = survey_responses(
        "2022-Q2",
        "BRS",
        {
            "informed": [("very_well", 20), ("fairly_well", 20), ("not_very_well", 80)],
            "have_say": [("yes", 40), ("no", 80)],
            "seen_officer": [("yes", 60), ("no", 60)],
        },
    )
    await _post(stack, "/api/v1/surveys/opcc/responses", {"responses": q3 + q2}, "survey")


async def test_scorecard_counts_every_kpi_from_its_source(stack: Stack) -> None:
    await seed(stack)
    response = await stack.kpi.get(CARD, params={"period": "2022-Q3"})
    assert response.status_code == 200, response.text
    card = response.json()
    assert (card["period_start"], card["period_end"]) == ("2022-07-01", "2022-09-30")
    assert "interval" in card["rag_rule"]
    kpis = kpis_of(card)
    assert all(k["status"] == "available" for k in kpis.values()), kpis
    assert kpis["school_engagements"]["value"] == 4
    assert kpis["school_engagements"]["breakdown"] == {"asb": 4}
    assert kpis["school_engagements"]["breakdown_by"] == "topic"
    assert kpis["local_meeting_engagements"]["value"] == 2
    assert kpis["cip_volunteer_hours"]["value"] == 150.5
    assert kpis["active_nhw_schemes"]["value"] == 1
    assert kpis["active_speedwatch_schemes"]["value"] == 0  # ended before the quarter's end
    assert kpis["youth_engagement_panels"]["value"] == 1
    beat = kpis["beat_profiles_with_photos"]
    assert (beat["value"], beat["numerator"], beat["denominator"]) == (20.0, 1, 5)
    assert kpis["beat_page_priorities_up_to_date"]["value"] == 20.0
    assert kpis["school_engagements"]["change"]["previous_value"] == 1
    assert kpis["school_engagements"]["change"]["difference"] == 3
    # The survey's areas are districts: force-wide holds the one district that answered.
    informed = kpis["opcc_informed"]
    assert informed["value"] == 50.0
    low, high = wilson_interval(0.5, 120)
    assert (informed["ci_low"], informed["ci_high"]) == (round(low * 100, 4), round(high * 100, 4))
    test = two_proportion_z(0.5, 120, 40 / 120, 120)
    assert informed["change"]["p"] == round(test.p, 6)
    assert informed["change"]["significant"] is True
    assert informed["base_n"] == 120


async def test_a_single_answer_takes_the_survey_services_interval(stack: Stack) -> None:
    await seed(stack)
    card = (await stack.kpi.get(CARD, params={"period": "2022-Q3", "area": "BRS"})).json()
    results = await stack.survey.get(
        "/api/v1/surveys/opcc/questions/have_say/results",
        params={"by": "wave", "from": "2022-Q3", "to": "2022-Q3", "area": "BRS"},
    )
    (group,) = results.json()["groups"]
    yes = next(a for a in group["answers"] if a["answer"] == "yes")
    have_say = kpis_of(card)["opcc_have_say"]
    assert have_say["value"] == round(yes["share"] * 100, 4)
    assert have_say["ci_low"] == round(yes["ci_low"] * 100, 4)
    assert have_say["ci_high"] == round(yes["ci_high"] * 100, 4)
    assert {n["code"] for n in have_say["notes"]} == {"no_target", "few_points"}


async def test_low_and_suppressed_survey_bases_are_noted(stack: Stack) -> None:
    small = survey_responses("2022-Q3", "NSM", {"have_say": [("yes", 30), ("no", 40)]})
    tiny = survey_responses("2022-Q3", "BS", {"have_say": [("yes", 10), ("no", 20)]})
    await _post(stack, "/api/v1/surveys/opcc/responses", {"responses": small + tiny}, "survey")
    low = kpis_of((await stack.kpi.get(CARD, params={"period": "2022-Q3", "area": "NSM"})).json())
    assert low["opcc_have_say"]["value"] == round(100 * 30 / 70, 4)
    assert "low_base" in {n["code"] for n in low["opcc_have_say"]["notes"]}
    # A neighbourhood is read at its district (the survey's areas are districts).
    nsm01 = kpis_of(
        (await stack.kpi.get(CARD, params={"period": "2022-Q3", "area": "NSM-01"})).json()
    )
    assert nsm01["opcc_have_say"]["value"] == low["opcc_have_say"]["value"]
    none = kpis_of((await stack.kpi.get(CARD, params={"period": "2022-Q3", "area": "BS"})).json())
    assert none["opcc_have_say"]["value"] is None
    assert none["opcc_have_say"]["rag"] is None
    assert "suppressed" in {n["code"] for n in none["opcc_have_say"]["notes"]}


@pytest.mark.parametrize(
    ("area", "schools", "meetings", "profiles"),
    [("BRS", 3, 2, 50.0), ("BRS-01", 2, 0, 100.0), ("NSM", 1, 0, 0.0), ("TESTFORCE", 4, 2, 20.0)],
)
async def test_areas_count_what_lies_in_them(
    stack: Stack, area: str, schools: int, meetings: int, profiles: float
) -> None:
    await seed(stack)
    card = (await stack.kpi.get(CARD, params={"period": "2022-Q3", "area": area})).json()
    kpis = kpis_of(card)
    assert kpis["school_engagements"]["value"] == schools
    assert kpis["local_meeting_engagements"]["value"] == meetings
    assert kpis["beat_profiles_with_photos"]["value"] == profiles
    assert card["area"] == (None if area == "TESTFORCE" else area)


async def test_grouped_as_the_reports_table(stack: Stack) -> None:
    card = (await stack.kpi.get(CARD, params={"period": "2022-Q3"})).json()
    assert [p["pillar"] for p in card["pillars"]] == ["engagement", "public_confidence"]
    engagement = card["pillars"][0]
    assert [len(o["outputs"]) for o in engagement["objectives"]] == [2, 3, 3, 1]
    first = engagement["objectives"][0]["outputs"][0]["kpis"]
    assert [k["code"] for k in first] == ["visibility_seen_officer", "time_out_of_station"]
    assert sum(card["counts"].values()) == len(kpis_of(card)) == 16


async def test_default_period_bad_period_unknown_area(stack: Stack) -> None:
    card = (await stack.kpi.get(CARD)).json()
    assert card["period"] == latest_complete(PeriodKind.quarter, date.today()).text
    assert_problem(await stack.kpi.get(CARD, params={"period": "2022-Q5"}), 422, "query.period")
    assert_problem(await stack.kpi.get(CARD, params={"period": "2022-9"}), 422, "query.period")
    assert_problem(await stack.kpi.get(CARD, params={"area": "NOWHERE"}), 422, "query.area")


async def test_a_month_reads_the_survey_wave_it_lies_in(stack: Stack) -> None:
    await seed(stack)
    card = (await stack.kpi.get(CARD, params={"period": "2022-09"})).json()
    kpis = kpis_of(card)
    assert kpis["school_engagements"]["value"] == 2
    assert kpis["opcc_informed"]["value"] == 50.0
    assert "survey_quarterly" in {n["code"] for n in kpis["opcc_informed"]["notes"]}
    year = kpis_of((await stack.kpi.get(CARD, params={"period": "2022"})).json())
    assert year["school_engagements"]["value"] == 5
    # A year pools its waves: (60 + 40) / 240 very or fairly well informed.
    assert year["opcc_informed"]["value"] == round(100 * 100 / 240, 4)
    assert not math.isclose(year["opcc_informed"]["ci_low"], kpis["opcc_informed"]["ci_low"])


async def test_targets_give_rag_and_counts_are_judged_per_month(stack: Stack) -> None:
    await seed(stack)
    target = {"valid_from": "2022-01-01", "value": 1, "tolerance": 0.5}
    created = await stack.kpi.post("/api/v1/kpis/school_engagements/targets", json=target)
    assert created.status_code == 201, created.text
    survey_target = {"valid_from": "2022-01-01", "value": 45, "tolerance": 10}
    await stack.kpi.post("/api/v1/kpis/opcc_informed/targets", json=survey_target)
    kpis = kpis_of((await stack.kpi.get(CARD, params={"period": "2022-Q3"})).json())
    school = kpis["school_engagements"]
    assert school["target"]["value"] == 3  # 1 a month, for three months
    assert school["target"]["per_month"] is True
    assert school["target"]["set_value"] == 1
    assert school["rag"] == "green"
    # 50% meets 45%, but the interval's lower bound (41.2%) does not: amber.
    assert kpis["opcc_informed"]["rag"] == "amber"
    month = kpis_of((await stack.kpi.get(CARD, params={"period": "2022-08"})).json())
    assert month["school_engagements"]["target"]["value"] == 1
    assert month["school_engagements"]["rag"] == "green"
    july = kpis_of((await stack.kpi.get(CARD, params={"period": "2022-06"})).json())
    assert july["school_engagements"]["value"] == 0
    assert july["school_engagements"]["rag"] == "red"
