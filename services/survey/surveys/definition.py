"""A survey definition loaded once into plain objects (for validation and analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.responses.models import choice_column, text_column
from services.survey.surveys.models import AnswerOption, Question, QuestionWording, Survey


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
    stmt = select(Survey.id, Survey.code, Survey.title)  # type: ignore[call-overload]  # SQLModel types columns as values
    if code is not None:
        stmt = stmt.where(Survey.code == code)
    if survey_id is not None:
        stmt = stmt.where(Survey.id == survey_id)
    row = (await conn.execute(stmt)).first()
    if row is None:
        return None
    sid, scode, title = row
    q_rows = (
        await conn.execute(
            select(  # type: ignore[call-overload]  # SQLModel types columns as values
                Question.id,
                Question.code,
                Question.text,
                Question.kind,
                Question.slot,
                Question.version,
            )
            .where(Question.survey_id == sid)
            .order_by(Question.position, Question.id)
        )
    ).all()
    questions = {
        qid: QuestionDef(
            id=qid, code=qcode, text=text, kind=kind, slot=slot or 0, version=version or 1
        )
        for qid, qcode, text, kind, slot, version in q_rows
    }
    if questions:
        o_rows = (
            await conn.execute(
                select(  # type: ignore[call-overload]  # SQLModel types columns as values
                    AnswerOption.question_id,
                    AnswerOption.code,
                    AnswerOption.label,
                    AnswerOption.position,
                    AnswerOption.excluded_from_base,
                )
                .where(AnswerOption.question_id.in_(list(questions)))  # type: ignore[attr-defined]  # a column typed as its value
                .order_by(AnswerOption.question_id, AnswerOption.position)
            )
        ).all()
        for qid, ocode, label, position, excluded in o_rows:
            questions[qid].options.append(OptionDef(ocode, label, position, bool(excluded)))
        w_rows = (
            await conn.execute(
                select(  # type: ignore[call-overload]  # SQLModel types columns as values
                    QuestionWording.question_id,
                    QuestionWording.version,
                    QuestionWording.text,
                    QuestionWording.effective_from,
                )
                .where(QuestionWording.question_id.in_(list(questions)))  # type: ignore[attr-defined]  # a column typed as its value
                .order_by(QuestionWording.question_id, QuestionWording.version)
            )
        ).all()
        for qid, version, text, effective_from in w_rows:
            questions[qid].wordings.append(WordingDef(version, text, effective_from))
    return SurveyDef(id=sid, code=scode, title=title, questions=list(questions.values()))
