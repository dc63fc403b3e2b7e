"""Each service's OpenAPI document says what the service does (problems, headers, ids, types),
and the edges it documents are the edges it has (405 with `Allow`, 415, problem types)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from shared.openapi import contract_document
from shared.problems import PROBLEM_BASE

METHODS = ("get", "put", "post", "delete", "patch")


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def assert_tells_the_truth(doc: dict[str, Any]) -> None:
    text = str(doc)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in doc["components"]["schemas"]
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "request_id", "errors"} <= set(
        problem["properties"]
    )
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert not op["operationId"].endswith(("_get", "_post", "_patch")), where
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (where, code)
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (where, code)
            if code in ("201", "202"):
                assert "Location" in response["headers"], (where, code)
        if path.startswith("/api/"):
            assert {"401", "403", "422", "503"} <= set(op["responses"]), where
            if "{" in path:
                assert "404" in op["responses"], where
            if "requestBody" in op:
                assert {"413", "415"} <= set(op["responses"]), where
        if "428" in op["responses"]:
            (if_match,) = [p for p in op["parameters"] if p["name"] == "If-Match"]
            assert if_match["required"] is True, where
            assert if_match["schema"]["type"] == "string", where
    for node in walk(doc):
        if node.get("type") == "array":
            assert "items" in node or "prefixItems" in node, node


async def test_the_activity_document_tells_the_truth(activity_client: httpx.AsyncClient) -> None:
    assert_tells_the_truth((await activity_client.get("/openapi.json")).json())


async def test_the_survey_document_tells_the_truth(survey_client: httpx.AsyncClient) -> None:
    assert_tells_the_truth((await survey_client.get("/openapi.json")).json())


async def test_the_kpi_document_tells_the_truth(kpi_client: httpx.AsyncClient) -> None:
    assert_tells_the_truth((await kpi_client.get("/openapi.json")).json())


async def test_activity_operations_are_named_and_headed(activity_client: httpx.AsyncClient) -> None:
    doc = (await activity_client.get("/openapi.json")).json()
    paths = doc["paths"]
    create = paths["/api/v1/activities"]["post"]
    assert create["operationId"] == "create_activity"
    assert paths["/api/v1/activities"]["get"]["operationId"] == "list_activities"
    created = create["responses"]["201"]["headers"]
    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(created)
    assert "Retry-After" in create["responses"]["409"]["headers"]
    one = paths["/api/v1/activities/{activity_id}"]
    assert "ETag" in one["get"]["responses"]["200"]["headers"]
    assert "ETag" in one["patch"]["responses"]["412"]["headers"]
    assert "Retry-After" in one["get"]["responses"]["503"]["headers"]
    # One merge-patch model for both media types of a PATCH (no duplicate models): the
    # activity's own (each resource's is checked below).
    for media in one["patch"]["requestBody"]["content"].values():
        assert media["schema"] == {"$ref": "#/components/schemas/ActivityPatch"}
    police = paths["/api/v1/police-uk/{force}/{neighbourhood}/people"]["post"]
    people = police["requestBody"]["content"]["application/json"]["schema"]
    assert people["items"]["properties"]["name"]["type"] == "string"


def assert_closed_merge_patches(doc: dict[str, Any]) -> list[str]:
    """Every PATCH body is its resource's own closed schema, for both media types, titled
    after it; a member the resource cannot lack is not nullable, one it may lack is."""
    schemas = doc["components"]["schemas"]
    titles: list[str] = []
    for path, method, op in operations(doc):
        if method != "patch":
            continue
        content = op["requestBody"]["content"]
        assert "application/merge-patch+json" in content, path
        (ref,) = {media["schema"]["$ref"] for media in content.values()}
        name = ref.rsplit("/", 1)[1]
        patch = schemas[name]
        assert patch["title"] == name, path
        assert patch["additionalProperties"] is False, path
        assert patch["properties"], path
        assert not patch.get("required"), path
        titles.append(name)
    assert len(titles) == len(set(titles)), titles  # one schema per resource
    return titles


async def test_each_merge_patch_has_its_own_closed_schema(
    activity_client: httpx.AsyncClient, kpi_client: httpx.AsyncClient
) -> None:
    activity = (await activity_client.get("/openapi.json")).json()
    assert sorted(assert_closed_merge_patches(activity)) == [
        "ActionPatch",
        "ActivityPatch",
        "AreaPatch",
        "GroupPatch",
        "HoursPatch",
        "PlanPatch",
    ]
    schemas = activity["components"]["schemas"]
    assert "MergePatch" not in schemas
    area = schemas["AreaPatch"]["properties"]
    assert area["name"] == {"maxLength": 200, "minLength": 1, "title": "Name", "type": "string"}
    assert {"type": "null"} in area["description"]["anyOf"]  # null clears it
    # Objects merge, so a nested model's patch is a patch too; arrays are replaced whole.
    assert {"$ref": "#/components/schemas/AreaPatchCentre"} in area["centre"]["anyOf"]
    assert schemas["AreaPatchCentre"]["additionalProperties"] is False
    people = next(o for o in area["people"]["anyOf"] if o.get("type") == "array")
    assert people["items"] == {"$ref": "#/components/schemas/Person"}
    assert "required" in schemas["Person"]
    assert "id" not in schemas["ActionPatch"]["properties"]  # read-only: refused
    kpi = (await kpi_client.get("/openapi.json")).json()
    assert assert_closed_merge_patches(kpi) == ["KpiPatch"]
    members = kpi["components"]["schemas"]["KpiPatch"]["properties"]
    assert "anyOf" not in members["name"]  # `null` is refused: a KPI has a name
    assert {"type": "null"} in members["owner_role"]["anyOf"]


async def test_a_merge_patch_refuses_what_its_schema_forbids(
    activity_client: httpx.AsyncClient, kpi_client: httpx.AsyncClient
) -> None:
    created = await activity_client.post(
        "/api/v1/areas", json={"code": "BRS", "name": "Bristol", "kind": "force"}
    )
    assert created.status_code == 201, created.text
    area = await activity_client.get("/api/v1/areas/BRS")
    for body, field in (({"nickname": "x"}, "body.nickname"), ({"name": None}, "body.name")):
        response = await activity_client.patch(
            "/api/v1/areas/BRS",
            json=body,
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert (await activity_client.get("/api/v1/areas/BRS")).json() == area.json()
    kpi = await kpi_client.get("/api/v1/kpis/active_nhw_schemes")
    assert kpi.status_code == 200, kpi.text
    response = await kpi_client.patch(
        "/api/v1/kpis/active_nhw_schemes",
        json={"name": None},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": kpi.headers["etag"]},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body.name"]


def test_the_rewrite_keeps_route_specific_wording() -> None:
    doc = {
        "paths": {
            "/api/v1/things/{id}": {
                "patch": {
                    "parameters": [
                        {
                            "name": "If-Match",
                            "in": "header",
                            "required": False,
                            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        }
                    ],
                    "responses": {
                        "200": {"description": "ok"},
                        "409": {"description": "Taken by another thing."},
                        "422": {
                            "description": "Validation Error",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                                }
                            },
                        },
                        "428": {"description": "Precondition Required"},
                    },
                }
            }
        },
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}}},
    }
    out = contract_document(doc)
    op = out["paths"]["/api/v1/things/{id}"]["patch"]
    assert op["responses"]["409"]["description"] == "Taken by another thing."
    assert "errors" in op["responses"]["422"]["description"]
    assert op["parameters"][0] == {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    assert "ETag" in op["responses"]["200"]["headers"]  # the path has an If-Match operation
    assert set(out["components"]["schemas"]) == {"Problem", "FieldError"}
    assert doc["components"]["schemas"]  # the input is left as it was


async def test_a_method_the_path_lacks_is_a_405_naming_every_method(
    activity_client: httpx.AsyncClient,
) -> None:
    for method, path, allow in (
        ("PUT", "/api/v1/activities/export.csv", "GET"),
        ("TRACE", "/api/v1/activities", "GET, POST"),
        ("PUT", "/api/v1/taxonomy", "GET"),
        (
            "POST",
            "/api/v1/activities/6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11",
            "DELETE, GET, PATCH",
        ),
    ):
        response = await activity_client.request(
            method, path, content=b"{}", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["allow"] == allow
        body = response.json()
        assert body["type"] == PROBLEM_BASE + "method-not-allowed"
        assert method in body["detail"]


async def test_a_body_of_a_media_type_the_operation_does_not_take_is_a_415(
    activity_client: httpx.AsyncClient,
) -> None:
    created = await activity_client.get("/api/v1/activities")  # nothing is stored by any of these
    before = created.json()["items"]
    files = {"file": ("a.json", b'{"items": []}', "application/json")}
    for method, path, accept_header in (
        ("POST", "/api/v1/activities/batch", "accept-post"),
        ("POST", "/api/v1/activities", "accept-post"),
        ("PATCH", "/api/v1/activities/6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11", "accept-patch"),
        ("POST", "/api/v1/police-uk/avon-and-somerset/neighbourhoods?district=BRS", "accept-post"),
    ):
        response = await activity_client.request(method, path, files=files)
        assert response.status_code == 415, (method, path, response.text)
        assert response.json()["type"] == PROBLEM_BASE + "unsupported-media-type"
        assert "application/json" in response.headers[accept_header]
    patch = await activity_client.patch(
        "/api/v1/activities/6f1c2b1e-4a57-4d0e-9a53-2f1f7d0c9a11",
        content=b"{}",
        headers={"Content-Type": "text/plain"},
    )
    assert patch.status_code == 415
    assert "application/merge-patch+json" in patch.headers["accept-patch"]
    assert (await activity_client.get("/api/v1/activities")).json()["items"] == before


async def test_survey_import_takes_multipart_only(survey_client: httpx.AsyncClient) -> None:
    response = await survey_client.post(
        "/api/v1/surveys/opcc/imports", json={"file": "respondent_id\r\n"}
    )
    assert response.status_code == 415, response.text
    assert response.headers["accept-post"] == "multipart/form-data"


async def test_credentials_and_routing_problems_have_the_hubs_types(
    activity_client: httpx.AsyncClient,
) -> None:
    missing = await activity_client.get("/api/v1/activities", headers={"X-API-Key": ""})
    assert missing.status_code == 401
    assert missing.json()["type"] == PROBLEM_BASE + "unauthenticated"
    nowhere = await activity_client.get("/api/v1/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["type"] == PROBLEM_BASE + "not-found"


async def test_a_query_parameter_of_one_value_given_twice_is_refused(
    activity_client: httpx.AsyncClient,
) -> None:
    response = await activity_client.get("/api/v1/areas?district=BRS&district=NSM")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["query.district"]
    # A parameter that takes several values may repeat.
    grouped = await activity_client.get(
        "/api/v1/activities/aggregate?group_by=period&group_by=area"
    )
    assert grouped.status_code == 200, grouped.text


async def test_a_trailing_slash_is_a_404_not_a_redirect(
    activity_client: httpx.AsyncClient,
) -> None:
    response = await activity_client.get("/api/v1/activities/")
    assert response.status_code == 404, response.text
    assert response.json()["type"] == PROBLEM_BASE + "not-found"
