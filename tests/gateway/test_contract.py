"""The merged OpenAPI document at the gateway is a contract a generated client can live by, and
the docs pages work with no network: every asset comes from the Hub itself."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_API_KEY
from tests.support.factories import activity_payload
from tests.support.processes import Suite
from tests.test_openapi_contract import assert_tells_the_truth, operations

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
ASSET_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']|\burl:\s*'([^']+)'""")


def local_asset_urls(html: str) -> list[str]:
    """Every URL the page loads (scripts, styles, icon, the OpenAPI document)."""
    return [a or b for a, b in ASSET_URL.findall(html)]


async def test_merged_document_tells_the_truth(gateway: httpx.AsyncClient) -> None:
    doc = (await gateway.get("/openapi.json")).json()
    assert_tells_the_truth(doc)
    for path, method, op in operations(doc):
        # The gateway's own answers, on every operation it proxies.
        assert {"401", "429", "502", "504"} <= set(op["responses"]), (method, path)
        assert "Retry-After" in op["responses"]["429"]["headers"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_what_the_hub_serves(
    gateway: httpx.AsyncClient, seeded_suite: Suite, page: str
) -> None:
    # The gateway (merged document) and each service (its own), over plain HTTP.
    for port in range(seeded_suite.port, seeded_suite.port + 4):  # gateway and services
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            response = await client.get(page)
            assert response.status_code == 200, (port, page)
            urls = local_asset_urls(response.text)
            assert any(u.endswith(".js") for u in urls), urls
            assert any(u.endswith((".png", ".ico")) for u in urls), urls  # the favicon
            for url in urls:
                assert url.startswith("/"), (port, page, url)
                assert not url.startswith("//"), (port, page, url)
                asset = await client.get(url)
                assert asset.status_code == 200, (port, url)
                assert asset.content, url


def _generate_client(document: Path, into: Path) -> str:
    config = into / "config.yaml"
    config.write_text(
        "post_hooks: []\nproject_name_override: hub_client\npackage_name_override: hub_client\n"
    )
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--config",
            str(config),
            "--output-path",
            str(into / "hub_client"),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.mark.slow
async def test_a_generated_client_creates_an_activity_and_reads_a_problem(
    gateway: httpx.AsyncClient, seeded_suite: Suite, tmp_path: Path
) -> None:
    document = tmp_path / "openapi.json"
    document.write_bytes((await gateway.get("/openapi.json")).content)
    output = _generate_client(document, tmp_path)
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path / "hub_client"))
    try:
        hub_client: Any = importlib.import_module("hub_client")
        create = importlib.import_module("hub_client.api.activities.create_activity")
        listing = importlib.import_module("hub_client.api.activities.list_activities")
        models: Any = importlib.import_module("hub_client.models")
        with hub_client.AuthenticatedClient(
            base_url=seeded_suite.base_url, token=TEST_API_KEY
        ) as client:
            body = models.ActivityCreate.from_dict(activity_payload())
            created = create.sync_detailed(client=client, body=body)
            assert created.status_code == 201, created.content
            assert isinstance(created.parsed, models.ActivityRead)
            assert created.headers["etag"]
            refused = listing.sync_detailed(client=client, limit=0)
            assert refused.status_code == 422
            problem = refused.parsed
            assert isinstance(problem, models.Problem)
            assert problem.status == 422
            assert [e.field for e in problem.errors] == ["query.limit"]
    finally:
        sys.path.remove(str(tmp_path / "hub_client"))
        for name in [m for m in sys.modules if m == "hub_client" or m.startswith("hub_client.")]:
            del sys.modules[name]
