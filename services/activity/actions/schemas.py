"""Bodies of the "you said, we did" actions listed on their own."""

from __future__ import annotations

import uuid

from pydantic import (
    Field,
)

from services.activity.activities.schemas import ActionRead


class ActionListItem(ActionRead):
    activity_id: uuid.UUID
    activity_title: str
    activity_version: int = Field(
        description='The activity\'s version: send `If-Match: "<activity_version>"` to update '
        "this action."
    )
    area: str
    district: str
    overdue: bool
