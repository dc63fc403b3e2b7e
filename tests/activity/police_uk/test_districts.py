"""police.uk reads under a district-limited credential (the identity the gateway forwards):
another district's neighbourhood is not there (404), lists and point lookups leave it out, and
such answers are never kept by a shared cache. Anonymous public reads stay force-wide."""

from __future__ import annotations

import httpx

from tests.activity.police_uk.factories import (
    BASE,
    FORCE,
    area_code_of,
    import_neighbourhood,
    planned_event,
    unique_id,
)
from tests.conftest import AUTH, assert_problem
from tests.support.factories import area_payloads
from tests.support.identity import identity
from tests.support.processes import Suite


def nsm_reader() -> dict[str, str]:
    """A fresh identity (they are valid 30 s) limited to the NSM district."""
    return identity(["activity:read"], districts=["NSM"], caller="key:nsm-reader")


LOCATE = "/api/v1/police-uk/locate-neighbourhood"


async def test_a_limited_reader_sees_only_its_districts_neighbourhoods(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    bristol, somerset = unique_id(), unique_id()
    await import_neighbourhood(activity_client, bristol, district="BRS", centre=(51.30, -2.90))
    await import_neighbourhood(activity_client, somerset, district="NSM", centre=(51.30, -2.80))
    await planned_event(activity_client, await area_code_of(activity_client, bristol))

    for part in ("", "/people", "/priorities", "/events", "/boundary"):
        assert_problem(
            await activity_client.get(f"{BASE}/{bristol}{part}", headers=nsm_reader()), 404
        )
        own = await activity_client.get(f"{BASE}/{somerset}{part}", headers=nsm_reader())
        assert own.status_code == 200, (part, own.text)
        # The public, anonymous, reads both: force-wide.
        assert (await anonymous.get(f"{BASE}/{bristol}{part}")).status_code == 200

    listed = await activity_client.get(f"{BASE}/neighbourhoods", headers=nsm_reader())
    ids = {n["id"] for n in listed.json()}
    assert somerset in ids
    assert bristol not in ids
    everyone = {n["id"] for n in (await anonymous.get(f"{BASE}/neighbourhoods")).json()}
    assert {somerset, bristol} <= everyone

    in_bristol = {"q": "51.301,-2.901"}
    assert_problem(await activity_client.get(LOCATE, params=in_bristol, headers=nsm_reader()), 404)
    located = await anonymous.get(LOCATE, params=in_bristol)
    assert located.json() == {"force": FORCE, "neighbourhood": bristol}
    mine = await activity_client.get(LOCATE, params={"q": "51.301,-2.801"}, headers=nsm_reader())
    assert mine.json() == {"force": FORCE, "neighbourhood": somerset}


async def test_a_limited_answer_is_not_for_shared_caches(
    activity_client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    nid = unique_id()
    await import_neighbourhood(activity_client, nid, district="NSM", centre=(51.20, -2.70))
    limited = await activity_client.get(f"{BASE}/neighbourhoods", headers=nsm_reader())
    assert limited.headers["cache-control"] == "private, no-cache"
    public = await anonymous.get(f"{BASE}/neighbourhoods")
    assert public.headers["cache-control"].startswith("public")
    whole_force = identity(["activity:read"])
    assert (await activity_client.get(f"{BASE}/{nid}", headers=whole_force)).status_code == 200


async def test_through_the_gateway_a_limited_key_reads_its_districts(police_suite: Suite) -> None:
    """Real processes: the gateway forwards the key's identity and the service applies it."""
    bristol, somerset = unique_id("GW"), unique_id("GW")
    async with httpx.AsyncClient(base_url=police_suite.base_url, headers=AUTH, timeout=10) as hub:
        for body in area_payloads():  # the suite is shared: the areas may be there already
            assert (await hub.post("/api/v1/areas", json=body)).status_code in (200, 201)
        await import_neighbourhood(hub, bristol, district="BRS", centre=(51.10, -2.90))
        await import_neighbourhood(hub, somerset, district="NSM", centre=(51.10, -2.80))
        made = await hub.post(
            "/api/v1/admin/api-keys",
            json={"name": "nsm reader", "scopes": ["activity:read"], "districts": ["NSM"]},
        )
        assert made.status_code == 201, made.text
    limited = {"X-API-Key": made.json()["key"]}
    async with httpx.AsyncClient(base_url=police_suite.base_url, timeout=10) as client:
        assert_problem(await client.get(f"{BASE}/{bristol}", headers=limited), 404)
        assert (await client.get(f"{BASE}/{somerset}", headers=limited)).status_code == 200
        listed = {
            n["id"] for n in (await client.get(f"{BASE}/neighbourhoods", headers=limited)).json()
        }
        assert somerset in listed
        assert bristol not in listed
        # Anonymous, public: force-wide.
        assert (await client.get(f"{BASE}/{bristol}")).status_code == 200
        everyone = {n["id"] for n in (await client.get(f"{BASE}/neighbourhoods")).json()}
        assert {bristol, somerset} <= everyone
