"""Boundaries: data.police.uk's `/boundary` ring of points or GeoJSON in, GeoJSON stored,
the same ring served back, and point-in-polygon for `locate-neighbourhood` (shapely: the
geometry is the library's job, never hand-written here)."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from services.activity.areas.models import Area
from services.activity.police_uk.models import PoliceUkNeighbourhood
from services.activity.police_uk.schemas import BoundaryPoint, BoundaryPointOut
from services.activity.police_uk.service import coordinate_text
from shared.problems import invalid

MAX_BOUNDARY_POINTS = 100_000


def geometry_from_points(points: list[BoundaryPoint]) -> dict[str, Any]:
    """data.police.uk's `/boundary` (one ring of lat/lng points, open or closed) as GeoJSON."""
    ring = [(p.longitude, p.latitude) for p in points]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(set(ring)) < 3:
        raise invalid("body", "a boundary needs at least three distinct points", "too_short")
    return _checked(Polygon(ring), "body")


def geometry_from_geojson(body: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon, bare or as a Feature (or a one-feature collection)."""
    if body.get("type") == "FeatureCollection":
        features = body.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise invalid("body.features", "exactly one feature: the neighbourhood", "one_feature")
        return geometry_from_geojson(features[0] if isinstance(features[0], dict) else {})
    if body.get("type") == "Feature":
        geometry = body.get("geometry")
        if not isinstance(geometry, dict):
            raise invalid("body.geometry", "a Feature needs a geometry", "missing")
        return geometry_from_geojson(geometry)
    if body.get("type") not in ("Polygon", "MultiPolygon"):
        raise invalid("body.type", "a Polygon, MultiPolygon or Feature of one", "geometry_type")
    try:
        geometry = shape(body)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise invalid("body.coordinates", f"not GeoJSON coordinates: {exc}") from exc
    return _checked(geometry, "body.coordinates")


def _checked(geometry: Any, field: str) -> dict[str, Any]:
    if geometry.is_empty or not isinstance(geometry, (Polygon, MultiPolygon)):
        raise invalid(field, "an empty or non-polygon boundary", "geometry_type")
    points = shapely.get_num_coordinates(geometry)
    if points > MAX_BOUNDARY_POINTS:
        raise invalid(field, f"at most {MAX_BOUNDARY_POINTS} points", "too_long")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise invalid(field, "positions are [longitude, latitude] in WGS84 degrees", "range")
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise invalid(field, f"not a valid polygon: {reason}", "invalid_geometry")
    return dict(mapping(geometry))


def bounding_box(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min latitude, max latitude, min longitude, max longitude)."""
    min_x, min_y, max_x, max_y = shape(geometry).bounds
    return min_y, max_y, min_x, max_x


def boundary_points(geometry: dict[str, Any]) -> list[BoundaryPointOut]:
    """The outer ring(s) as data.police.uk's open list of points (a MultiPolygon's parts one
    after the other). Holes have no place in that shape; GeoJSON importers keep them for
    `locate-neighbourhood`."""
    polygon = shape(geometry)
    parts = list(polygon.geoms) if isinstance(polygon, MultiPolygon) else [polygon]
    out: list[BoundaryPointOut] = []
    for part in parts:
        ring = list(part.exterior.coords)[:-1]  # open, as that API serves it
        out += [
            BoundaryPointOut(latitude=coordinate_text(y), longitude=coordinate_text(x))
            for x, y in (c[:2] for c in ring)
        ]
    return out


def parse_point(q: str) -> tuple[float, float]:
    """`lat,lng` as `locate-neighbourhood?q=` takes it."""
    parts = q.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        latitude, longitude = (float(p) for p in parts)
    except ValueError:
        raise invalid("query.q", "must be `latitude,longitude`, e.g. 51.4633,-2.5621") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise invalid("query.q", "latitude within ±90, longitude within ±180", "range")
    return latitude, longitude


def containing(
    candidates: list[tuple[Area, PoliceUkNeighbourhood]], latitude: float, longitude: float
) -> Area | None:
    """The neighbourhood whose boundary covers the point (edges count as inside); of two that
    both do (a shared edge), the one with the lower code, so the answer is stable."""
    point = shapely.Point(longitude, latitude)
    inside = [
        area
        for area, extra in candidates
        if extra.boundary is not None and shape(extra.boundary).covers(point)
    ]
    return min(inside, key=lambda a: a.code) if inside else None
