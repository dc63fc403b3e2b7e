"""Response models of the comment search."""

from __future__ import annotations

from pydantic import BaseModel


class CommentRead(BaseModel):
    respondent_id: str
    wave: str
    area: str | None
    question: str
    text: str
