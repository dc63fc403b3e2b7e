"""Rules of the plans registry: a local engagement plan delivers a strategy; a plan's
activities are those with its `plan_id`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.activity.areas.service import known_area
from services.activity.plans import repository
from services.activity.plans.models import Plan
from services.activity.plans.schemas import PlanActivityCounts, PlanFields, PlanRead
from services.activity.versioned import Registry
from shared.contracts.taxonomy import PlanKind
from shared.problems import invalid


def plan_read(plan: Plan, counts: dict[str, int]) -> PlanRead:
    return PlanRead(
        id=plan.id,
        kind=PlanKind(plan.kind),
        title=plan.title,
        parent_id=plan.parent_id,
        area=plan.area_code,
        owner=plan.owner,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        objectives=plan.objectives,
        notes=plan.notes,
        activities=PlanActivityCounts(**counts),
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


async def plan_reads(session: AsyncSession, plans: list[Plan]) -> list[PlanRead]:
    """Plans with their activity counts: one grouped query for the lot, not one per plan."""
    counts = await repository.plan_activity_counts(session, [p.id for p in plans])
    return [plan_read(p, counts[p.id]) for p in plans]


async def plan_read_one(session: AsyncSession, plan: Plan) -> PlanRead:
    return (await plan_reads(session, [plan]))[0]


async def apply_plan(session: AsyncSession, plan: Plan, fields: PlanFields) -> None:
    if fields.parent_id is not None and fields.parent_id == plan.id:
        raise invalid("body.parent_id", "a plan cannot be its own parent")
    if fields.ends_on < fields.starts_on:
        raise invalid("body.ends_on", "must not be before starts_on")
    if fields.kind is PlanKind.local_engagement_plan:
        if fields.parent_id is None:
            raise invalid(
                "body.parent_id", "a local engagement plan delivers a strategy", "missing"
            )
        parent = await repository.get_plan(session, fields.parent_id)
        if parent is None or parent.kind != PlanKind.strategy:
            raise invalid("body.parent_id", "no strategy with this id", "unknown_plan")
    elif fields.parent_id is not None:
        raise invalid("body.parent_id", "a strategy has no parent")
    if fields.area is not None:
        await known_area(session, fields.area)
    plan.kind = fields.kind.value
    plan.title = fields.title
    plan.parent_id = fields.parent_id
    plan.area_code = fields.area
    plan.owner = fields.owner
    plan.starts_on = fields.starts_on
    plan.ends_on = fields.ends_on
    plan.objectives = list(fields.objectives)
    plan.notes = fields.notes


def _fields_of(plan: Plan) -> dict[str, Any]:
    return plan_read(plan, {}).model_dump(mode="json", include=set(PlanFields.model_fields))


PLANS: Registry[Plan, PlanFields] = Registry(
    model=Plan,
    fields=PlanFields,
    what="plan",
    apply=apply_plan,
    # starts_on/ends_on are NOT NULL: `apply_plan` sets them from the body.
    blank=lambda: {"kind": "", "title": ""},
    fields_of=_fields_of,
)
