"""GET /api/v1/reports/engagement-assurance on data made in the tests, through the real
survey and activity endpoints."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader

from services.kpi.config import KpiSettings
from services.kpi.reports.sources import AnswerCache
from services.kpi.sources.clients import SourceClients, SurveySource
from shared.contracts.survey import LONDON
from tests.conftest import assert_problem
from tests.kpi.reports.conftest import ENGAGEMENTS, NEIGHBOURHOODS, World
from tests.support.factories import activity_payload
from tests.support.identity import identity

REPORT = "/api/v1/reports/engagement-assurance"
Q3 = {"period": "2022-Q3"}


async def report_json(world: World, **params: str) -> dict[str, Any]:
    response = await world.kpi.get(
        REPORT, params={**Q3, **params}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def findings_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    every = [f for q in body["survey"]["questions"] for f in q["findings"]]
    every += body["activity"]["findings"] + body["engagement_and_confidence"]["findings"]
    every += body["data_quality"]["findings"] + body["scorecard"]["findings"]
    return {f["key"]: f for f in every}


async def test_wording_on_the_survey_data(world: World) -> None:
    body = await report_json(world, questions="confidence,seen_officer")
    found = findings_of(body)
    # A significant rise (30% -> 45% of 500): "increased", in the executive summary.
    rise = found["survey.have_say.yes.previous_quarter"]
    assert rise["sentence"].startswith(
        "The share answering 'Yes' to the 'have your say' question increased from 30.0% to "
        "45.0% compared with the previous quarter (a 15.0 percentage point rise"
    )
    assert rise["key"] in {f["key"] for f in body["executive_summary"]}
    # A non-significant fall of 4.8 points: never "decreased".
    fall = found["survey.informed.fairly_well.previous_quarter"]
    assert (
        "did not change significantly compared with the previous quarter (the 4.8 "
        in (fall["sentence"])
    )
    assert "percentage point fall was not statistically significant; p = 0.1" in fall["sentence"]
    assert fall["evidence"]["significant"] is False
    # Record high of the series (which begins in 2021 here): "since the series began in 2021".
    high = found["survey.have_say.yes.record"]
    assert high["sentence"].endswith("was the highest recorded since the series began in 2021.")
    assert "2014" not in high["sentence"]
    # The complement of a two-answer question is not worded twice.
    assert "survey.have_say.no.previous_quarter" not in found
    # Suppressed base: 40 answered the confidence question in 2022-Q3.
    suppressed = found["survey.confidence.tend_to_agree.estimate"]
    assert suppressed["kind"] == "data_quality"
    assert "the base of 40 responses is below the 50 needed" in suppressed["sentence"]
    assert "survey.confidence.suppressed" in found
    # No data: nobody was asked whether they had seen an officer.
    seen = [f for k, f in found.items() if k.startswith("survey.seen_officer")]
    assert [f["kind"] for f in seen] == ["no_data"]
    assert seen[0]["sentence"].startswith("There is no data for")


async def test_figures_equal_the_services(world: World) -> None:
    body = await report_json(world)
    for section in body["survey"]["questions"]:
        q = section["question"]
        path = f"/api/v1/surveys/opcc/questions/{q}"
        for part in ("results", "changes", "trend"):
            direct = await world.survey.get(f"{path}/{part}", params={"to": "2022-Q3"})
            assert direct.status_code == 200
            assert section[part] == direct.json(), (q, part)
        direct = await world.survey.get(
            "/api/v1/surveys/opcc/correlations", params={"question": q, "to": "2022-Q3"}
        )
        assert section["correlations"] == direct.json()
    aggregate = await world.activity.get(
        "/api/v1/activities/aggregate",
        params={"group_by": "directorate,classification", "from": "2022-07-01", "to": "2022-09-30"},
    )
    activity = body["activity"]
    assert activity["aggregate"] == aggregate.json()
    assert activity["totals"]["activities"] == aggregate.json()["totals"]["activities"]
    assert activity["totals"]["activities"] == sum(ENGAGEMENTS.values()) + 3
    assert activity["neighbourhoods_without_engagement"] == ["NB-03"]
    assert activity["neighbourhoods_total"] == len(NEIGHBOURHOODS)
    assert activity["unreconciled"] == 2
    unreconciled = await world.activity.get("/api/v1/activities/unreconciled/summary")
    assert activity["unreconciled"] == unreconciled.json()["unreconciled"]
    summary = await world.activity.get(
        "/api/v1/actions/summary", params={"from": "2022-07-01", "to": "2022-09-30"}
    )
    assert activity["actions"] == {
        k: summary.json()[k] for k in ("total", "done", "open", "overdue", "as_of")
    }
    assert activity["actions"] == {
        "total": 2,
        "done": 1,
        "open": 1,
        "overdue": 1,
        "as_of": datetime.now(LONDON).date().isoformat(),
    }
    # Purpose and channel: the margins of the service's own grouping.
    by_purpose_channel = await world.activity.get(
        "/api/v1/activities/aggregate",
        params={"group_by": "purpose,channel", "from": "2022-07-01", "to": "2022-09-30"},
    )
    for dimension in ("purpose", "channel"):
        totals: dict[str | None, int] = {}
        for row in by_purpose_channel.json()["rows"]:
            totals[row[dimension]] = totals.get(row[dimension], 0) + row["activities"]
        assert {r["key"]: r["activities"] for r in activity[f"by_{dimension}"]} == totals
    assert {r["key"]: r["activities"] for r in activity["by_purpose"]} == {
        "consult": sum(ENGAGEMENTS.values()),
        "inform": 3,
    }
    assert {r["key"]: r["activities"] for r in activity["by_channel"]} == {
        "face_to_face": sum(ENGAGEMENTS.values()),
        "social_media": 3,
    }
    purpose = next(f for f in activity["findings"] if f["key"] == "activity.purpose")
    assert purpose["sentence"] == (
        "Of 19 completed activities, 3 (15.8%) were to inform, 16 (84.2%) to consult and "
        "0 (0.0%) to co-operate."
    )
    assert activity["not_covered"] == []
    assert len(activity["overlaps"]) == 1
    # Section 6: engagements per 1,000 residents from the registry and the log.
    rows = {r["area"]: r for r in body["engagement_and_confidence"]["rows"]}
    assert body["engagement_and_confidence"]["level"] == "neighbourhood"
    assert rows["NA-02"]["per_1000"] == ENGAGEMENTS["NA-02"] / 20_000 * 1000
    by_area = await world.survey.get(
        "/api/v1/surveys/opcc/questions/have_say/results",
        params={"by": "area", "from": "2022-Q3", "to": "2022-Q3"},
    )
    yes = {
        g["group"]: next(a["share"] for a in g["answers"] if a["answer"] == "yes")
        for g in by_area.json()["groups"]
    }
    assert rows["NA-02"]["shares"]["have_say"] == yes["NA-02"]
    assert rows["NB-03"]["shares"]["have_say"] is None  # suppressed: 30 responses
    # The report's scope names each source and when it was read.
    assert {s["name"] for s in body["scope"]["sources"]} >= {"survey", "activity", "kpi"}


async def test_every_finding_carries_its_evidence(world: World) -> None:
    body = await report_json(world)
    found = findings_of(body)
    assert body["executive_summary"]
    for finding in [*found.values(), *body["executive_summary"]]:
        assert finding["sentence"]
        assert finding["evidence"]["source"]
        assert 1 <= finding["section"] <= 7
        if finding["kind"] in ("change", "trend", "association", "correlation"):
            assert finding["evidence"]["test"]
            assert finding["evidence"]["p"] is not None
            assert finding["evidence"]["significant"] in (True, False)
    rise = found["survey.have_say.yes.previous_quarter"]["evidence"]["figures"]
    assert rise["share"] == 0.45
    assert rise["baseline_share"] == 0.30
    assert rise["baseline"] == "2022-Q2"
    for finding in body["engagement_and_confidence"]["findings"]:
        assert "cause" not in finding["sentence"].replace("not evidence that one causes", "")


async def test_html_is_one_self_contained_file(world: World) -> None:
    response = await world.kpi.get(REPORT, params=Q3)  # no Accept: HTML
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only references inside the page
    assert "<link" not in page.lower()
    assert "@media print" in page
    svgs = page.count("<svg")
    assert svgs >= 5  # survey, activity and confidence charts (icons come with the scorecard)
    assert page.count('role="img"') >= 5
    assert '<title id="chart-survey-informed-title">' in page
    assert '<desc id="chart-survey-informed-desc">' in page
    for number, title in enumerate(
        [
            "Executive summary",
            "Purpose and scope",
            "Survey results",
            "Engagement activity",
            "KPI scorecard",
            "Engagement and confidence",
            "Data quality",
        ],
        start=1,
    ):
        assert f"{number}. {title}</h2>" in page
    assert page.index("1. Executive summary") < page.index("7. Data quality")
    # Section 4's purpose and channel charts, each with its data table beside it.
    for key, title in (("activity-purpose", "purpose"), ("activity-channel", "channel")):
        figure = page[page.index(f'<figure class="chart" id="{key}">') :]
        figure = figure[: figure.index("</figure>")]
        assert f"<caption>Data: Completed activities by {title}</caption>" in figure
        assert figure.count("<svg") == 1
    assert '<th scope="row">co operate</th>' not in page  # no empty group is drawn
    assert '<th scope="row">social media</th><td>3</td>' in page
    assert "did not change significantly compared with the previous quarter (the 4.8" in page


async def test_pdf_has_pages_and_the_findings(world: World) -> None:
    by_accept = await world.kpi.get(REPORT, params=Q3, headers={"Accept": "application/pdf"})
    by_format = await world.kpi.get(REPORT, params={**Q3, "format": "pdf"})
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(by_format.content))
    assert len(reader.pages) >= 4
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "1. Executive summary" in text
    assert "7. Data quality" in text
    assert "increased from 30.0% to 45.0%" in text
    assert "Completed activities by purpose" in text
    assert "Completed activities by channel" in text
    assert "3 (15.8%) were to inform" in text


async def test_the_default_period_is_the_latest_complete_quarter(world: World) -> None:
    response = await world.kpi.get(REPORT, params={"format": "json"})
    assert response.status_code == 200
    today = datetime.now(LONDON).date()
    quarter = today.year * 4 + (today.month - 1) // 3 - 1
    assert response.json()["scope"]["period"] == f"{quarter // 4}-Q{quarter % 4 + 1}"


async def test_bad_requests_are_problems(world: World) -> None:
    assert_problem(await world.kpi.get(REPORT, params={"period": "2022-Q5"}), 422, "query.period")
    assert_problem(await world.kpi.get(REPORT, params={**Q3, "area": "NOPE"}), 422, "query.area")
    assert_problem(
        await world.kpi.get(REPORT, params={**Q3, "format": "docx"}), 422, "query.format"
    )
    body = assert_problem(
        await world.kpi.get(REPORT, params=Q3, headers={"Accept": "text/csv"}), 406
    )
    assert "application/pdf" in body["detail"]
    assert_problem(await world.kpi.get(REPORT, params=Q3, headers={"X-API-Key": "wrong"}), 401)
    survey_only = identity(["survey:read"])  # as the gateway forwards it
    assert_problem(await world.kpi.get(REPORT, params=Q3, headers=survey_only), 403)


async def test_an_area_narrows_every_section(world: World) -> None:
    body = await report_json(world, area="DB")
    assert body["scope"]["area"] == "DB"
    assert body["scope"]["area_kind"] == "district"
    direct = await world.activity.get(
        "/api/v1/activities/aggregate",
        params={
            "group_by": "directorate,classification",
            "from": "2022-07-01",
            "to": "2022-09-30",
            "district": "DB",
        },
    )
    assert body["activity"]["totals"]["activities"] == direct.json()["totals"]["activities"]
    assert body["activity"]["neighbourhoods_total"] == 3


async def test_scopes_of_the_caller_apply(world: World) -> None:
    kpi_only = identity(["kpi:read"])
    response = await world.kpi.get(
        REPORT, params=Q3, headers={**kpi_only, "Accept": "application/json"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["survey"]["available"] is False
    assert body["activity"]["available"] is False
    assert all(q["results"] is None for q in body["survey"]["questions"])
    keys = {f["key"] for f in body["data_quality"]["findings"]}
    assert {"scope.survey", "scope.activity"} <= keys
    sources = {s["name"]: s for s in body["scope"]["sources"]}
    assert "survey:read" in sources["survey"]["reason"]


async def test_a_source_that_is_down_is_named_and_the_report_still_made(world: World) -> None:
    sources: SourceClients = world.app.state.sources
    working = sources.survey
    sources.survey = SurveySource(
        KpiSettings(survey_url="http://127.0.0.1:9", source_connect_timeout_s=1)
    )
    try:
        body = await report_json(world)
    finally:
        await sources.survey.aclose()
        sources.survey = working
    assert body["survey"]["available"] is False
    assert body["activity"]["available"] is True
    down = next(f for f in body["data_quality"]["findings"] if f["key"] == "sources.survey")
    assert "The survey service was unavailable when the report was made" in down["sentence"]
    assert "sources.survey" in {f["key"] for f in body["executive_summary"]}
    assert {s["name"]: s["available"] for s in body["scope"]["sources"]}["survey"] is False


async def test_answers_are_kept_briefly_and_the_as_of_times_say_so(world: World) -> None:
    first = await report_json(world)
    again = await report_json(world)
    as_of = {s["name"]: s["as_of"] for s in first["scope"]["sources"]}
    assert {s["name"]: s["as_of"] for s in again["scope"]["sources"]}["survey"] == as_of["survey"]
    assert again["survey"]["questions"] == first["survey"]["questions"]
    world.app.state.report_answers = AnswerCache(0)  # KPI_REPORT_CACHE_S=0: read every time
    fresh = await report_json(world)
    assert {s["name"]: s["as_of"] for s in fresh["scope"]["sources"]}["survey"] > as_of["survey"]


async def test_action_counts_are_exact_beyond_any_page_limit(world: World) -> None:
    # 2,100 more actions at the quarter's activities: more than paging the list ever read.
    items = [
        activity_payload(
            id=str(uuid.uuid4()),
            area="NA-02",
            starts_at=datetime(2022, 8, 1 + n, 10, tzinfo=UTC).isoformat(),
            ends_at=None,
            actions=[
                {"issue": f"Issue {n}-{i}", "due_on": "2022-09-01", **done_if(i)}
                for i in range(100)
            ],
        )
        for n in range(21)
    ]
    response = await world.activity.post("/api/v1/activities/batch", json={"items": items})
    assert response.status_code == 200, response.text
    body = await report_json(world)
    actions = body["activity"]["actions"]
    assert (actions["total"], actions["done"], actions["open"], actions["overdue"]) == (
        2 + 2100,
        1 + 21 * 40,
        1 + 21 * 60,
        1 + 21 * 60,
    )
    found = findings_of(body)
    assert found["activity.actions"]["sentence"].startswith(
        'Of 2,102 "you said, we did" actions raised at the period\'s activities: 841 done, '
        "1,261 open, of which 1,261 overdue on "
    )
    assert not any("truncated" in k for k in found)


def done_if(i: int) -> dict[str, str]:
    return {"done_on": "2022-08-30"} if i % 5 < 2 else {}
