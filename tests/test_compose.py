"""`compose.yaml` is valid against the official Compose Specification schema.

No Docker engine runs here, so the schema is the check.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Kept in the repository (source and licence: tests/data/README.md), so a fresh clone anywhere
# runs this test; HUB_COMPOSE_SCHEMA may point at a newer copy.
SCHEMA = Path(
    os.environ.get("HUB_COMPOSE_SCHEMA", ROOT / "tests" / "data" / "compose-spec.schema.json")
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_validates_against_the_specification(compose: dict[str, Any]) -> None:
    assert SCHEMA.exists(), f"Compose schema not found at {SCHEMA} (set HUB_COMPOSE_SCHEMA)"
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose)


def test_compose_has_the_production_topology(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "migrate", "activity", "survey", "kpi", "gateway"} <= set(services)
    assert "healthcheck" in services["postgres"]
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    for name in ("activity", "survey", "kpi"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["build"]["dockerfile"] == "Dockerfile"
    assert (ROOT / "Dockerfile").exists()
    gateway_env = services["gateway"]["environment"]
    assert gateway_env["HUB_ACTIVITY_URL"] == "http://activity:8000"


def test_an_invalid_compose_file_is_refused() -> None:
    schema = json.loads(SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate({"services": {"x": {"ports": {"bad": True}}}})
