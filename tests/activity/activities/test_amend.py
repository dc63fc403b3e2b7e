"""Amending, deleting and reviewing: If-Match, amendment history, soft delete, review."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import assert_problem
from tests.support.factories import activity_payload

MERGE = {"content-type": "application/merge-patch+json"}
LONDON = ZoneInfo("Europe/London")


async def _create(client: httpx.AsyncClient, **overrides: object) -> httpx.Response:
    response = await client.post("/api/v1/activities", json=activity_payload(**overrides))
    assert response.status_code == 201, response.text
    return response


async def test_patch_needs_if_match_and_refuses_a_stale_one(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    url = created.headers["location"]
    missing = await activity_client.patch(url, json={"title": "New"}, headers=MERGE)
    assert_problem(missing, 428)
    stale = await activity_client.patch(
        url, json={"title": "New"}, headers={**MERGE, "If-Match": '"7"'}
    )
    assert_problem(stale, 412)
    assert stale.headers["etag"] == '"1"'
    # Nothing changed by the refused attempts.
    assert (await activity_client.get(url)).json()["title"] == created.json()["title"]


async def test_merge_patch_changes_fields_and_keeps_history(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(
        activity_client, notes="first notes", audience={"attendees": 10, "young_people": 2}
    )
    url = created.headers["location"]
    patch = {
        "title": "PACT meeting (rescheduled)",
        "notes": None,
        "audience": {"attendees": 14},
        "topics": ["drugs", "asb"],
        "area": "NSM-02",
    }
    changed = await activity_client.patch(
        url, json=patch, headers={**MERGE, "If-Match": created.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert changed.headers["etag"] == '"2"'
    assert body["version"] == 2
    assert body["title"] == "PACT meeting (rescheduled)"
    assert body["notes"] is None
    assert body["audience"] == {"groups": [], "attendees": 14, "young_people": 2}
    assert body["topics"] == ["asb", "drugs"]
    assert (body["area"], body["district"]) == ("NSM-02", "NSM")

    # The topic index follows the amendment.
    by_topic = await activity_client.get("/api/v1/activities", params={"topic": "drugs"})
    assert [i["id"] for i in by_topic.json()["items"]] == [body["id"]]

    history = (await activity_client.get(f"{url}/history")).json()
    assert [h["change"] for h in history] == ["created", "amended"]
    amended = history[1]
    assert amended["version"] == 2
    assert amended["changed_by"] == "bootstrap"
    assert set(amended["fields"]) == {"title", "notes", "audience", "topics", "area"}
    assert amended["changes"]["notes"] == {"old": "first notes", "new": None}
    assert amended["changes"]["area"] == {"old": "BRS-01", "new": "NSM-02"}
    assert amended["changes"]["audience"]["old"]["attendees"] == 10
    assert amended["changes"]["audience"]["new"]["attendees"] == 14


async def test_patch_validates_like_create_and_stores_nothing(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    url = created.headers["location"]
    headers = {**MERGE, "If-Match": '"1"'}
    cases = [
        ({"ends_at": "2000-01-01T00:00:00Z"}, "body.ends_at"),
        ({"area": "ATLANTIS"}, "body.area"),
        ({"directorate": "parks"}, "body.directorate"),
        ({"colour": "red"}, "body.colour"),
        ({"review_state": "approved"}, "body.review_state"),
        ({"id": "6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11"}, "body.id"),
        ({"audience": {"attendees": -3}}, "body.audience.attendees"),
    ]
    for patch, field in cases:
        assert_problem(await activity_client.patch(url, json=patch, headers=headers), 422, field)
    malformed = await activity_client.patch(url, content=b"{nope", headers=headers)
    assert_problem(malformed, 422, "body")
    not_object = await activity_client.patch(url, json=[1, 2], headers=headers)
    assert_problem(not_object, 422, "body")
    after = await activity_client.get(url)
    assert after.headers["etag"] == '"1"'
    assert after.json() == created.json()


async def test_a_patch_cannot_leave_school_details_on_another_type(
    activity_client: httpx.AsyncClient,
) -> None:
    school = {"name": "Easton primary", "urn": "123456", "key_stages": ["ks2"]}
    created = await _create(activity_client, activity_type="school_engagement", school=school)
    url = created.headers["location"]
    headers = {**MERGE, "If-Match": '"1"'}
    # Changing the type alone would leave school details on a beat surgery.
    retyped = await activity_client.patch(
        url, json={"activity_type": "beat_surgery"}, headers=headers
    )
    assert_problem(retyped, 422, "body.school")
    plain = await _create(activity_client)
    added = await activity_client.patch(
        plain.headers["location"], json={"school": school}, headers=headers
    )
    assert_problem(added, 422, "body.school")
    assert (await activity_client.get(url)).json() == created.json()
    # Both together (type changed, school removed) is fine.
    both = await activity_client.patch(
        url, json={"activity_type": "beat_surgery", "school": None}, headers=headers
    )
    assert both.status_code == 200, both.text
    assert (both.json()["activity_type"], both.json()["school"]) == ("beat_surgery", None)


async def test_a_row_stored_before_the_school_rule_reads_and_must_be_fixed_to_amend(
    activity_client: httpx.AsyncClient,
) -> None:
    from sqlalchemy import update

    from services.activity.activities.models import Activity

    created = await _create(activity_client)
    activity_id = uuid.UUID(created.json()["id"])
    db = activity_client.app.state.db  # type: ignore[attr-defined]
    async with db.write_sessions() as session:
        await session.execute(
            update(Activity)
            .where(Activity.id == activity_id)  # type: ignore[arg-type]
            .values(details={"school": {"name": "Legacy school", "key_stages": []}})
        )
        await session.commit()
    url = created.headers["location"]
    assert (await activity_client.get(url)).json()["school"]["name"] == "Legacy school"
    headers = {**MERGE, "If-Match": '"1"'}
    title_only = await activity_client.patch(url, json={"title": "Renamed"}, headers=headers)
    assert_problem(title_only, 422, "body.school")
    fixed = await activity_client.patch(
        url, json={"title": "Renamed", "school": None}, headers=headers
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["school"] is None


async def test_a_patch_that_changes_nothing_keeps_the_version(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    same = await activity_client.patch(
        created.headers["location"],
        json={"title": created.json()["title"]},
        headers={**MERGE, "If-Match": '"1"'},
    )
    assert same.status_code == 200
    assert same.headers["etag"] == '"1"'


async def test_actions_are_kept_with_ids_across_amendments(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(
        activity_client,
        actions=[
            {"issue": "Speeding on the high street", "action": "Speedwatch", "due_on": "2022-10-01"}
        ],
    )
    action = created.json()["actions"][0]
    assert action["id"]
    url = created.headers["location"]
    done = {**action, "done_on": "2022-09-28", "outcome": "Three sessions held"}
    changed = await activity_client.patch(
        url, json={"actions": [done]}, headers={**MERGE, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["actions"] == [done]
    assert (await activity_client.get(url)).json()["actions"] == [done]


async def test_delete_is_soft_needs_if_match_and_a_reason(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    url = created.headers["location"]
    assert_problem(await activity_client.delete(url, params={"reason": "Logged twice"}), 428)
    stale = await activity_client.delete(
        url, params={"reason": "Logged twice"}, headers={"If-Match": '"9"'}
    )
    assert_problem(stale, 412)
    no_reason = await activity_client.delete(url, headers={"If-Match": '"1"'})
    assert_problem(no_reason, 422, "query.reason")
    gone = await activity_client.delete(
        url, params={"reason": "Logged twice"}, headers={"If-Match": '"1"'}
    )
    assert gone.status_code == 204
    assert_problem(await activity_client.get(url), 404)
    assert (await activity_client.get("/api/v1/activities")).json()["items"] == []
    history = (await activity_client.get(f"{url}/history")).json()
    assert history[-1]["change"] == "deleted"
    assert history[-1]["comment"] == "Logged twice"


async def test_resending_a_deleted_activity_is_410_gone_and_stores_nothing(
    activity_client: httpx.AsyncClient,
) -> None:
    payload = activity_payload(id=str(uuid.uuid4()))
    created = await activity_client.post("/api/v1/activities", json=payload)
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    gone = await activity_client.delete(
        url, params={"reason": "Logged twice"}, headers={"If-Match": '"1"'}
    )
    assert gone.status_code == 204
    deleted_at = (await activity_client.get(f"{url}/history")).json()[-1]["changed_at"]

    # The phone resends the original create (same id, same body), with and without a key.
    for headers in ({}, {"Idempotency-Key": "resend-after-delete"}):
        resend = await activity_client.post("/api/v1/activities", json=payload, headers=headers)
        problem = assert_problem(resend, 410)
        assert payload["id"] in problem["detail"]
        assert "deleted" in problem["detail"]
        assert datetime.fromisoformat(problem["deleted_at"]) == datetime.fromisoformat(deleted_at)
        assert "idempotent-replayed" not in resend.headers
    different = await activity_client.post("/api/v1/activities", json={**payload, "title": "Other"})
    assert_problem(different, 410)
    # Nothing was stored: still 404, not listed, no new history, and the key is unused.
    assert_problem(await activity_client.get(url), 404)
    assert (await activity_client.get("/api/v1/activities")).json()["items"] == []
    changes = [h["change"] for h in (await activity_client.get(f"{url}/history")).json()]
    assert changes == ["created", "deleted"]
    fresh = await activity_client.post(
        "/api/v1/activities",
        json=activity_payload(),
        headers={"Idempotency-Key": "resend-after-delete"},
    )
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers

    # A batch resend says the same for that item, and stores the others.
    other = activity_payload(id=str(uuid.uuid4()))
    batch = await activity_client.post("/api/v1/activities/batch", json={"items": [payload, other]})
    assert batch.status_code == 200, batch.text
    body = batch.json()
    assert [(i["outcome"], i["status"]) for i in body["items"]] == [("gone", 410), ("created", 201)]
    assert (body["created"], body["replayed"], body["gone"]) == (1, 0, 1)
    item_problem = body["items"][0]["problem"]
    assert item_problem["status"] == 410
    assert item_problem["deleted_at"] == problem["deleted_at"]
    assert_problem(await activity_client.get(url), 404)


async def test_review_approves_or_flags_with_a_comment(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    url = created.headers["location"]
    flag_without_comment = await activity_client.post(f"{url}/review", json={"decision": "flag"})
    assert_problem(flag_without_comment, 422, "body.comment")
    flagged = await activity_client.post(
        f"{url}/review", json={"decision": "flag", "comment": "Attendee count missing"}
    )
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["review_state"] == "has_issues"
    assert flagged.json()["review"]["comment"] == "Attendee count missing"
    assert flagged.headers["etag"] == '"2"'
    listed = await activity_client.get("/api/v1/activities", params={"review_state": "has_issues"})
    assert [i["id"] for i in listed.json()["items"]] == [created.json()["id"]]

    # Amending a reviewed activity sends it back for review.
    amended = await activity_client.patch(
        url, json={"audience": {"attendees": 20}}, headers={**MERGE, "If-Match": '"2"'}
    )
    assert amended.json()["review_state"] == "received"
    approved = await activity_client.post(f"{url}/review", json={"decision": "approve"})
    assert approved.json()["review_state"] == "approved"
    assert approved.json()["review"]["reviewed_by"] == "bootstrap"
    changes = [h["change"] for h in (await activity_client.get(f"{url}/history")).json()]
    assert changes == ["created", "reviewed", "amended", "reviewed"]


async def test_review_with_a_stale_if_match_is_412_and_changes_nothing(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await _create(activity_client)
    url = created.headers["location"]
    amended = await activity_client.patch(
        url,
        json={"title": "Amended after the supervisor read it"},
        headers={**MERGE, "If-Match": '"1"'},
    )
    assert amended.headers["etag"] == '"2"'
    # The supervisor approves what they read at version 1: refused, the current ETag given.
    stale = await activity_client.post(
        f"{url}/review", json={"decision": "approve"}, headers={"If-Match": '"1"'}
    )
    assert_problem(stale, 412)
    assert stale.headers["etag"] == '"2"'
    after = await activity_client.get(url)
    assert after.json()["review_state"] == "received"
    assert after.headers["etag"] == '"2"'
    changes = [h["change"] for h in (await activity_client.get(f"{url}/history")).json()]
    assert changes == ["created", "amended"]
    current = await activity_client.post(
        f"{url}/review", json={"decision": "approve"}, headers={"If-Match": '"2"'}
    )
    assert current.status_code == 200, current.text
    assert current.json()["review_state"] == "approved"


@pytest.mark.parametrize("scopes", [{"activity:read", "activity:write"}])
async def test_review_needs_the_review_scope(
    activity_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, scopes: set[str]
) -> None:
    from shared.auth import Principal, StaticKeyStore, hash_secret

    store: StaticKeyStore = activity_client.app.state.key_store  # type: ignore[attr-defined]
    monkeypatch.setattr(
        store,
        "_by_digest",
        {**store._by_digest, hash_secret("officer-key"): Principal("officer", frozenset(scopes))},
    )
    created = await _create(activity_client)
    response = await activity_client.post(
        f"{created.headers['location']}/review",
        json={"decision": "approve"},
        headers={"X-API-Key": "officer-key"},
    )
    assert_problem(response, 403)


async def test_an_action_is_followed_up_on_its_own(activity_client: httpx.AsyncClient) -> None:
    today = datetime.now(LONDON).date()
    created = await _create(
        activity_client,
        actions=[
            {"issue": "Parking on the verge", "owner": "PCSO team", "due_on": "2022-10-01"},
            {"issue": "Street lighting", "due_on": (today + timedelta(days=30)).isoformat()},
        ],
    )
    url = created.headers["location"]
    approved = await activity_client.post(f"{url}/review", json={"decision": "approve"})
    assert approved.headers["etag"] == '"2"'
    overdue = (await activity_client.get("/api/v1/actions", params={"overdue": "true"})).json()
    (item,) = overdue["items"]
    assert (item["issue"], item["activity_version"], item["overdue"]) == (
        "Parking on the verge",
        2,
        True,
    )
    action_url = f"/api/v1/actions/{item['id']}"
    done = {"done_on": today.isoformat(), "outcome": "Signs up; reported back at PACT"}

    assert_problem(await activity_client.patch(action_url, json=done, headers=MERGE), 428)
    stale = await activity_client.patch(action_url, json=done, headers={**MERGE, "If-Match": '"1"'})
    assert_problem(stale, 412)
    current = {**MERGE, "If-Match": '"2"'}
    for bad, field in (
        ({"colour": "red"}, "body.colour"),
        ({"done_on": "yesterday"}, "body.done_on"),
        ({"issue": None}, "body.issue"),
        ({"id": str(uuid.uuid4())}, "body.id"),
    ):
        assert_problem(
            await activity_client.patch(action_url, json=bad, headers=current), 422, field
        )
    missing = await activity_client.patch(
        f"/api/v1/actions/{uuid.uuid4()}", json=done, headers=current
    )
    assert_problem(missing, 404)
    # Nothing above changed anything.
    assert (await activity_client.get(url)).headers["etag"] == '"2"'

    followed = await activity_client.patch(action_url, json=done, headers=current)
    assert followed.status_code == 200, followed.text
    assert followed.headers["etag"] == '"3"'
    body = followed.json()
    assert (body["done_on"], body["outcome"], body["overdue"], body["activity_version"]) == (
        today.isoformat(),
        "Signs up; reported back at PACT",
        False,
        3,
    )
    assert (body["id"], body["owner"]) == (item["id"], "PCSO team")
    assert (await activity_client.get("/api/v1/actions", params={"overdue": "true"})).json()[
        "items"
    ] == []
    activity = await activity_client.get(url)
    assert activity.headers["etag"] == '"3"'
    # The reviewed account is unchanged: still approved. The other action is as it was.
    assert activity.json()["review_state"] == "approved"
    actions = {a["issue"]: a for a in activity.json()["actions"]}
    assert actions["Parking on the verge"]["done_on"] == today.isoformat()
    assert actions["Street lighting"]["done_on"] is None
    last = (await activity_client.get(f"{url}/history")).json()[-1]
    assert (last["change"], last["version"], list(last["changes"])) == ("amended", 3, ["actions"])
