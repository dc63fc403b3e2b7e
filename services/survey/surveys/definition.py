"""A survey definition loaded once into plain objects (for validation and analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.responses.models import choice_column, text_column
from services.survey.surveys import repository


@dataclass(frozen=True)
class OptionDef:
    code: str
    label: str
    position: int
    excluded_from_base: bool


@dataclass(frozen=True)
class WordingDef:
    version: int
    text: str
    effective_from: str | None


@dataclass
class QuestionDef:
    id: int
    code: str
    text: str
    kind: str
    slot: int
    version: int
    options: list[OptionDef] = field(default_factory=list)
    wordings: list[WordingDef] = field(default_factory=list)

    @property
    def column(self) -> str:
        return choice_column(self.slot) if self.kind == "single_choice" else text_column(self.slot)

    def lookup(self) -> dict[str, int]:
        """Lower-cased answer code or label -> option position."""
        out: dict[str, int] = {}
        for option in self.options:
            out[option.label.strip().lower()] = option.position
        for option in self.options:  # codes win over a label spelled like another code
            out[option.code.lower()] = option.position
        return out

    def option_at(self, position: int) -> OptionDef | None:
        for option in self.options:
            if option.position == position:
                return option
        return None

    def wording_version_of(self, wave: str) -> int:
        """The wording asked in `wave` (versions apply from their `effective_from` wave)."""
        current = 1
        for wording in sorted(self.wordings, key=lambda w: w.version):
            if wording.effective_from is None or wording.effective_from <= wave:
                current = wording.version
        return current

    def wording_text(self, version: int) -> str:
        """The words of wording `version` (the current text when no such version is stored)."""
        for wording in self.wordings:
            if wording.version == version:
                return wording.text
        return self.text

    def wording_breaks(self, first: str, last: str) -> list[str]:
        """Waves after `first` up to `last` that start a new wording (a break in the series)."""
        return sorted(
            w.effective_from
            for w in self.wordings
            if w.effective_from is not None
            and first < w.effective_from <= last
            and self.wording_version_of(w.effective_from) == w.version
        )


@dataclass
class SurveyDef:
    id: int
    code: str
    title: str
    questions: list[QuestionDef]

    def question(self, code: str) -> QuestionDef | None:
        for question in self.questions:
            if question.code == code:
                return question
        return None


async def load_definition(
    conn: AsyncSession | AsyncConnection, code: str | None = None, survey_id: int | None = None
) -> SurveyDef | None:
    """The survey of that code and/or id with its questions, options and wordings, or None."""
    row = await repository.survey_row(conn, code, survey_id)
    if row is None:
        return None
    sid, scode, title = row
    questions = {
        qid: QuestionDef(
            id=qid, code=qcode, text=text, kind=kind, slot=slot or 0, version=version or 1
        )
        for qid, qcode, text, kind, slot, version in await repository.question_rows(conn, sid)
    }
    if questions:
        for qid, ocode, label, position, excluded in await repository.option_rows(
            conn, list(questions)
        ):
            questions[qid].options.append(OptionDef(ocode, label, position, bool(excluded)))
        for qid, version, text, effective_from in await repository.wording_rows(
            conn, list(questions)
        ):
            questions[qid].wordings.append(WordingDef(version, text, effective_from))
    return SurveyDef(id=sid, code=scode, title=title, questions=list(questions.values()))
