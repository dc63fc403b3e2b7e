"""The rule of what an activity may be logged against (`areas.service.loggable_district`),
on its own; the HTTP tests of creates and batches see it through the API."""

from __future__ import annotations

import pytest

from services.activity.areas.service import LOGGABLE_KINDS, loggable_district
from shared.contracts.taxonomy import AreaKind
from shared.problems import ProblemError


def test_a_neighbourhood_or_a_district_gives_its_district() -> None:
    assert loggable_district(("neighbourhood", "BRS"), "BRS-01", "body.area") == "BRS"
    assert loggable_district(("district", "BRS"), "BRS", "body.area") == "BRS"


def test_a_force_is_refused_naming_the_field() -> None:
    with pytest.raises(ProblemError) as refused:
        loggable_district(("force", ""), "TESTFORCE", "body.items.3.area")
    assert refused.value.status == 422
    assert refused.value.errors is not None
    assert refused.value.errors[0].field == "body.items.3.area"
    assert refused.value.errors[0].type == "area_kind"


def test_an_unknown_area_is_refused_naming_the_field() -> None:
    with pytest.raises(ProblemError) as refused:
        loggable_district(None, "NOWHERE", "body.area")
    assert refused.value.errors is not None
    assert refused.value.errors[0].type == "unknown_area"
    assert "NOWHERE" in refused.value.errors[0].message


def test_the_one_statement_insert_filters_on_the_same_kinds() -> None:
    from services.activity.activities import inserts

    compiled = str(inserts._insert_from_area_statement("sqlite").compile())
    for kind in AreaKind:
        assert (f"'{kind.value}'" in compiled) is (kind in LOGGABLE_KINDS)
