"""Areas as the activity service registers them: checking codes, walking up the hierarchy."""

from __future__ import annotations

from services.kpi import errors
from services.kpi.sources.clients import SourceClients, SourceUnavailable
from shared.contracts.registers import AreaRef
from shared.problems import invalid


async def require_area(sources: SourceClients, code: str, field: str) -> AreaRef:
    """The registered area `code`: a 422 naming `field` when unknown, a 503 when the activity
    service cannot say (a write must never store an area nobody registered)."""
    try:
        areas = await sources.activity.areas()
    except SourceUnavailable as exc:
        raise errors.source_unavailable(f"cannot check area {code!r}: {exc.reason}") from exc
    area = areas.get(code)
    if area is None:
        raise invalid(
            field, f"unknown area {code!r} (not registered in the activity service)", "unknown_area"
        )
    return area


def lineage(area: AreaRef | None) -> list[str]:
    """The area, then its district (for a neighbourhood), then force-wide (``""``)."""
    if area is None:
        return [""]
    out = [area.code]
    if area.kind == "neighbourhood" and area.district:
        out.append(area.district)
    out.append("")
    return out
