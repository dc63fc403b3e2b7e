"""Factories for request bodies: valid by default, each call unique where it matters."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_counter = itertools.count(1)


def activity_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    starts = datetime(2022, 9, 1, 9, tzinfo=UTC) + timedelta(hours=n)
    body: dict[str, Any] = {
        "title": f"PACT meeting {n}",
        "status": "completed",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "directorate": "neighbourhood_partnerships",
        "activity_type": "pact_meeting",
        "channel": "face_to_face",
        "classification": "engagement",
        "purpose": "consult",
        "topics": ["asb"],
        "area": "BRS-01",
        "audience": {"attendees": 12, "young_people": 1},
        "source": "mobile",
    }
    body.update(overrides)
    return body
