"""Request dependencies every router of the activity service declares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from shared.auth import Principal, require_scope
from shared.pagination import MAX_LIMIT

Reader = Annotated[Principal, Depends(require_scope("activity:read"))]
Writer = Annotated[Principal, Depends(require_scope("activity:write"))]
Reviewer = Annotated[Principal, Depends(require_scope("activity:review"))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500)]
