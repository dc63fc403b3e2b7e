"""The rules on their own: completeness, dates, boundaries, validators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.activity.areas.models import Area
from services.activity.police_uk import boundaries, http, service
from services.activity.police_uk.models import PoliceUkNeighbourhood
from services.activity.police_uk.schemas import BoundaryPoint
from shared.problems import ProblemError

TODAY = date(2026, 5, 31)
PHOTO = "https://example.police.uk/p.jpg"


def _area(**fields: Any) -> Area:
    values: dict[str, Any] = {
        "code": "N-1",
        "name": "N",
        "kind": "neighbourhood",
        "contact_details": {"email": "team@example.police.uk"},
        "people": [{"name": "A", "photo_url": PHOTO}, {"name": "B", "photo_url": PHOTO}],
        "priorities": [{"issue": "x", "issue_date": "2026-05-01"}],
    }
    values.update(fields)
    return Area(**values)


def test_a_complete_profile() -> None:
    result = service.completeness(_area(), TODAY)
    assert (result.score, result.missing) == (1.0, [])


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"contact_details": {}}, ["contact_details"]),
        ({"contact_details": {"email": "  "}}, ["contact_details"]),
        ({"people": []}, ["team_photos"]),
        ({"people": [{"name": "A", "photo_url": PHOTO}, {"name": "B"}]}, ["team_photos"]),
        ({"priorities": []}, ["priorities"]),
        # Exactly three months back still counts; the day before does not.
        ({"priorities": [{"issue": "x", "issue_date": "2026-02-28"}]}, []),
        ({"priorities": [{"issue": "x", "issue_date": "2026-02-27"}]}, ["priorities"]),
        # An old issue acted on lately is up to date; a date still ahead is not an update.
        (
            {
                "priorities": [
                    {"issue": "x", "issue_date": "2025-01-01", "action_date": "2026-05-30"}
                ]
            },
            [],
        ),
        ({"priorities": [{"issue": "x", "issue_date": "2026-06-01"}]}, ["priorities"]),
    ],
)
def test_each_missing_part(fields: dict[str, Any], missing: list[str]) -> None:
    result = service.completeness(_area(**fields), TODAY)
    assert result.missing == missing
    assert result.score == round((3 - len(missing)) / 3, 4)


def test_the_registries_read_the_same_rule() -> None:
    from services.activity.areas import service as areas_service

    assert areas_service.completeness is service.completeness


def test_dates_as_data_police_uk_writes_them() -> None:
    assert service.date_text("2022-09-14") == "2022-09-14T00:00:00"
    assert service.date_text(date(2022, 9, 14)) == "2022-09-14T00:00:00"
    assert service.date_text(None) is None
    summer = datetime(2022, 7, 1, 9, 30, tzinfo=UTC)
    assert service.local_text(summer) == "2022-07-01T10:30:00"  # BST
    assert service.coordinate_text(51.4633) == "51.4633"


def test_a_ring_of_points_in_and_out() -> None:
    ring = [BoundaryPoint(latitude=lat, longitude=lng) for lat, lng in ((0, 0), (0, 1), (1, 1))]
    geometry = boundaries.geometry_from_points(ring)
    assert geometry["type"] == "Polygon"
    served = boundaries.boundary_points(geometry)
    assert [(float(p.latitude), float(p.longitude)) for p in served] == [(0, 0), (0, 1), (1, 1)]
    closed = [*ring, ring[0]]
    assert boundaries.geometry_from_points(closed) == geometry
    assert boundaries.bounding_box(geometry) == (0, 1, 0, 1)


def test_multipolygon_parts_are_served_one_after_the_other() -> None:
    geometry = boundaries.geometry_from_geojson(
        {
            "type": "MultiPolygon",
            "coordinates": [
                [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                [[[5, 5], [6, 5], [6, 6], [5, 5]]],
            ],
        }
    )
    assert len(boundaries.boundary_points(geometry)) == 6


@pytest.mark.parametrize(
    ("q", "point"), [("51.4633,-2.5621", (51.4633, -2.5621)), (" 1 , 2 ", (1.0, 2.0))]
)
def test_points_as_locate_neighbourhood_takes_them(q: str, point: tuple[float, float]) -> None:
    assert boundaries.parse_point(q) == point


@pytest.mark.parametrize("q", ["", "1", "1,2,3", "a,b", "90.1,0", "0,180.5", "nan,0"])
def test_bad_points(q: str) -> None:
    with pytest.raises(ProblemError) as caught:
        boundaries.parse_point(q)
    assert caught.value.errors is not None
    assert caught.value.errors[0].field == "query.q"


def test_a_shared_edge_goes_to_the_lower_code() -> None:
    def square(code: str, x0: float) -> tuple[Area, PoliceUkNeighbourhood]:
        geometry = boundaries.geometry_from_geojson(
            {"type": "Polygon", "coordinates": [[[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1]]]}
        )
        return _area(code=code), PoliceUkNeighbourhood(area_code=code, boundary=geometry)

    candidates = [square("B", 1), square("A", 0)]
    assert boundaries.containing(candidates, 0.5, 1.0).code == "A"  # type: ignore[union-attr]
    assert boundaries.containing(candidates, 0.5, 1.5).code == "B"  # type: ignore[union-attr]
    assert boundaries.containing(candidates, 5, 5) is None


def test_validators() -> None:
    assert http._etag_matches('"a", W/"b"', '"b"')
    assert http._etag_matches("*", '"b"')
    assert not http._etag_matches('"a"', '"b"')
    changed = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    assert http._not_modified_since("Sun, 31 May 2026 12:00:00 GMT", changed)
    assert not http._not_modified_since("Sun, 31 May 2026 11:59:59 GMT", changed)
    assert not http._not_modified_since("not a date", changed)
    assert not http._not_modified_since("Sun, 31 May 2026 12:00:00 GMT", None)
