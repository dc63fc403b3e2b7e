"""The area a calculation is for, and how each source is asked about it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.kpi.sources.areas import lineage
from services.kpi.sources.clients import SourceClients, SourceUnavailable
from shared.contracts.registers import AreaRef
from shared.problems import invalid


@dataclass(frozen=True)
class Scope:
    """`area` None is force-wide. `ref` is the registered area (None when force-wide, or when
    the activity service could not be asked: then the code is passed on as given)."""

    area: str | None
    ref: AreaRef | None
    force: str | None

    @property
    def name(self) -> str | None:
        return self.ref.name if self.ref else None

    @property
    def kind(self) -> str | None:
        if self.area is None:
            return "force"
        return self.ref.kind if self.ref else None

    def activity_filter(self) -> dict[str, str]:
        if self.area is None:
            return {}
        if self.kind == "neighbourhood":
            return {"area": self.area}
        return {"district": self.area}

    def register_area(self) -> str | None:
        """The area whose registry summary covers the scope (the force for force-wide)."""
        return self.area if self.area is not None else self.force

    def survey_area(self) -> str | None:
        """The survey's area codes are districts: a neighbourhood is read at its district."""
        if self.area is None:
            return None
        if self.kind == "neighbourhood" and self.ref is not None:
            return self.ref.district
        return self.area

    def lineage(self) -> list[str]:
        return (
            lineage(self.ref)
            if self.area is not None and self.ref
            else ([self.area, ""] if self.area else [""])
        )


def _force_of(areas: Mapping[str, AreaRef]) -> str | None:
    forces = [a.code for a in areas.values() if a.kind == "force"]
    return forces[0] if len(forces) == 1 else None


async def resolve_scope(
    sources: SourceClients, area: str | None, field: str = "query.area"
) -> Scope:
    """The scope of `area`: a 422 naming `field` when the activity service does not know
    it (nor another district's area, for a district-limited caller); when the activity
    service cannot be asked the code is used as given. Without `area`, a caller limited to
    one district is scoped to it."""
    try:
        areas = await sources.activity.areas()
    except SourceUnavailable:
        return Scope(area=area, ref=None, force=None)
    force = _force_of(areas)
    limit = sources.activity.caller_districts()
    if area is None and limit is not None and len(limit) == 1:
        # A caller limited to one district sees that district as its whole force.
        area = next(iter(limit))
    if area is None:
        return Scope(area=None, ref=None, force=force)
    ref = areas.get(area)
    if ref is None:
        raise invalid(field, f"unknown area {area!r}", "unknown_area")
    if ref.kind == "force":
        return Scope(area=None, ref=None, force=ref.code)
    return Scope(area=ref.code, ref=ref, force=ref.force or force)
