"""The dashboard in a real headless browser (Debian's chromium driven by Playwright), through
the gateway of the real suite: every page loads with no console error and no request leaving
the machine, the filter forms filter, and axe-core reports no serious or critical violation.

Run alone with `pytest -m browser`. Needs `/usr/bin/chromium` (`apt-get install -y chromium`)
and axe-core (`cd tests/browser && npm ci`); without them these tests skip and say so, except
with CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import AUTH, TEST_API_KEY
from tests.kpi.reports.conftest import seed_activity, seed_survey
from tests.support.databases import DatabaseFactory
from tests.support.idp import IdentityProvider, start_idp
from tests.support.processes import Suite, start_suite

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PAGES = [
    "/dashboard/",
    "/dashboard/survey",
    "/dashboard/survey?question=have_say&area=NA-01",
    "/dashboard/activity?period=2022-Q3",
    "/dashboard/activity?period=2022-Q3&area=DB",
    "/dashboard/report?period=2022-Q3",
    "/dashboard/scorecard?period=2022-Q3",
    "/dashboard/scorecard?period=2022-Q3&area=DA",
    "/dashboard/scorecard/opcc_have_say?to=2022-Q3",
    "/dashboard/scorecard/local_meeting_engagements?to=2022-Q3&area=NA-01",
]


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append("Debian's chromium (`apt-get install -y chromium`)")
    if not AXE.exists():
        missing.append("axe-core (`cd tests/browser && npm ci`)")
    return missing


@pytest.fixture(scope="module")
def requirements() -> None:
    missing = _missing()
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: never skipped)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def idp(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    """The force's identity provider, for signing in with OpenID Connect (another site)."""
    provider = start_idp(tmp_path_factory.mktemp("browser-idp"))
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="module")
async def dashboard_env(
    databases: DatabaseFactory, requirements: None, idp: IdentityProvider
) -> dict[str, str]:
    env = {
        "GATEWAY_DASHBOARD_SECRET": "browser-tests-" + "d" * 20,
        **idp.gateway_env({"board": ["kpi:read", "activity:read", "survey:read"]}),
    }
    if databases.admin_url is not None:
        for service in ("activity", "survey", "kpi", "gateway"):
            env[f"{service.upper()}_DATABASE_URL"] = await databases.fresh(service)
    return env


@pytest.fixture(scope="module")
def dashboard_suite(
    dashboard_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Suite]:
    running = start_suite(tmp_path_factory.mktemp("dashboard-suite"), dashboard_env)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
async def seeded(dashboard_suite: Suite) -> str:
    async with httpx.AsyncClient(base_url=dashboard_suite.base_url, headers=AUTH, timeout=30) as c:
        await seed_activity(c)
        await seed_survey(c)
    return dashboard_suite.base_url


@pytest.fixture(scope="module")
async def chromium(requirements: None) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()


@dataclass
class Watch:
    """What a page did that it must not: console errors, script errors, outside requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def assert_clean(self, where: str) -> None:
        assert not self.console_errors, (where, self.console_errors)
        assert not self.page_errors, (where, self.page_errors)
        assert not self.outside, (where, self.outside)


async def open_page(chromium: Any) -> tuple[Any, Any, Watch]:
    context = await chromium.new_context()
    page = await context.new_page()
    watch = Watch()

    async def route(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "about", "blob") or parts.hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            watch.outside.append(url)
            await route.abort()

    await context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and watch.console_errors.append(m.text))
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    return context, page, watch


async def sign_in(page: Any, base: str, key: str = TEST_API_KEY) -> None:
    await page.goto(base + "/dashboard/")
    assert "/dashboard/sign-in" in page.url
    await page.fill("#api_key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/dashboard/")


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def test_every_page_loads_clean_and_accessible(seeded: str, chromium: Any) -> None:
    context, page, watch = await open_page(chromium)
    try:
        await page.goto(seeded + "/dashboard/sign-in")
        assert await axe_violations(page) == []
        await sign_in(page, seeded)
        for path in PAGES:
            response = await page.goto(seeded + path)
            assert response is not None
            assert response.status == 200, path
            assert await page.locator("h1, h2").count() > 0, path
            assert await axe_violations(page) == [], path
            # A table's CSV download is a link on the page, and it works.
            link = page.locator("a", has_text="Download CSV").first
            if await link.count():
                href = await link.get_attribute("href")
                csv = await context.request.get(seeded + href)
                assert csv.status == 200
                assert csv.headers["content-type"].startswith("text/csv")
        watch.assert_clean("pages")
    finally:
        await context.close()


async def test_the_filter_forms_filter(seeded: str, chromium: Any) -> None:
    context, page, watch = await open_page(chromium)
    try:
        await sign_in(page, seeded)
        await page.goto(seeded + "/dashboard/survey")
        await page.select_option("#question", "have_say")
        await page.fill("#from", "2022-Q2")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_load_state()
        assert "question=have_say" in page.url
        assert "from=2022-Q2" in page.url
        waves = await page.locator("figure.chart tbody th[scope=row]").all_inner_texts()
        assert waves == ["Q2 2022", "Q3 2022"]
        assert "Are you aware of opportunities" in await page.locator("h1").inner_text()

        await page.goto(seeded + "/dashboard/activity")
        await page.fill("#period", "2022-Q3")
        await page.select_option("#area", "DB")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_load_state()
        assert re.search(r"period=2022-Q3&area=DB$", page.url)
        rows = await page.locator("#table-engagement-by-area tbody th").all_inner_texts()
        assert rows == ["NB-01", "NB-02", "NB-03"]
        report = page.locator('a[href="/dashboard/report?period=2022-Q3&area=DB"]')
        assert await report.count() == 1
        await report.click()
        await page.wait_for_load_state()
        assert "Engagement Assurance Report: 2022-Q3" in await page.locator("h1").inner_text()
        watch.assert_clean("filters")
    finally:
        await context.close()


async def test_signing_out_ends_the_session(seeded: str, chromium: Any) -> None:
    context, page, watch = await open_page(chromium)
    try:
        await sign_in(page, seeded)
        cookies = {c["name"]: c for c in await context.cookies()}
        session = cookies["hub_session"]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        assert session["expires"] > 0
        await page.click("text=Sign out")
        await page.wait_for_url(re.compile(r".*/dashboard/sign-in"))
        assert "hub_session" not in {c["name"] for c in await context.cookies()}
        await page.goto(seeded + "/dashboard/activity")
        assert "/dashboard/sign-in" in page.url
        watch.assert_clean("sign out")
    finally:
        await context.close()


async def test_sign_in_with_a_managed_key_sees_its_districts(seeded: str, chromium: Any) -> None:
    async with httpx.AsyncClient(base_url=seeded, headers=AUTH, timeout=30) as admin:
        made = await admin.post(
            "/api/v1/admin/api-keys",
            json={
                "name": "district A board",
                "scopes": ["kpi:read", "activity:read"],
                "districts": ["DA"],
            },
        )
        assert made.status_code == 201, made.text
    key = made.json()
    context, page, watch = await open_page(chromium)
    try:
        await sign_in(page, seeded, key["key"])
        assert f"Signed in as key:{key['id']}" in await page.locator("header").inner_text()
        response = await page.goto(seeded + "/dashboard/activity?period=2022-Q3")
        assert response is not None
        assert response.status == 200
        areas = await page.locator("#area option").evaluate_all("os => os.map(o => o.value)")
        assert {a for a in areas if a} == {"DA", "NA-01", "NA-02"}
        rows = await page.locator("#table-engagement-by-area tbody th").all_inner_texts()
        assert rows == ["NA-01", "NA-02"]
        assert await axe_violations(page) == []
        watch.assert_clean("managed key")
    finally:
        await context.close()


async def test_sign_in_with_openid_connect(
    seeded: str, chromium: Any, idp: IdentityProvider
) -> None:
    idp.sign_in_as({"sub": "analyst-9", "roles": ["board"], "hub_districts": ["DB"]})
    context, page, watch = await open_page(chromium)
    try:
        await page.goto(seeded + "/dashboard/scorecard?period=2022-Q3")
        assert "/dashboard/sign-in" in page.url
        assert await axe_violations(page) == []
        await page.click("text=Sign in with Test force sign-on")
        # At the provider (another site) and back; the session cookie is SameSite=Strict, so
        # the dashboard moves on from its own page.
        await page.wait_for_url(seeded + "/dashboard/scorecard?period=2022-Q3")
        assert "Signed in as user:analyst-9" in await page.locator("header").inner_text()
        assert "KPI scorecard for 2022-Q3" in await page.content()
        cookies = {c["name"]: c for c in await context.cookies()}
        assert cookies["hub_session"]["sameSite"] == "Strict"
        assert cookies["hub_session"]["httpOnly"] is True
        assert "hub_oidc_flow" not in cookies
        response = await page.goto(seeded + "/dashboard/activity?period=2022-Q3")
        assert response is not None
        assert response.status == 200
        rows = await page.locator("#table-engagement-by-area tbody th").all_inner_texts()
        assert rows == ["NB-01", "NB-02", "NB-03"]
        watch.assert_clean("openid connect")
    finally:
        await context.close()
