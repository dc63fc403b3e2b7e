"""Request and response models of the survey service."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class AnswerOptionRead(BaseModel):
    code: str
    label: str
    excluded_from_base: bool


class QuestionRead(BaseModel):
    code: str
    text: str
    kind: Literal["single_choice", "free_text"]
    options: list[AnswerOptionRead]


class SurveyRead(BaseModel):
    code: str
    title: str
    description: str | None
    questions: list[QuestionRead]
