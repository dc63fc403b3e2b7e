"""Seed the OPCC public-confidence survey (reference data, always present)

Revision ID: b51c0d2e7f10
Revises: 8a12833aa305
Create Date: 2026-11-25 21:45:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "b51c0d2e7f10"
down_revision: str | None = "8a12833aa305"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURVEY_CODE = "opcc"

# (code, text, kind, [(answer code, label, excluded from base)])
QUESTIONS: list[tuple[str, str, str, list[tuple[str, str, bool]]]] = [
    (
        "informed",
        "How well informed do you feel about what the police are doing to tackle crime and "
        "anti-social behaviour in your local area?",
        "single_choice",
        [
            ("very_well", "Very well informed", False),
            ("fairly_well", "Fairly well informed", False),
            ("not_very_well", "Not very well informed", False),
            ("not_at_all", "Not at all informed", False),
            ("dont_know", "Don't know", True),
        ],
    ),
    (
        "have_say",
        "Are you aware of opportunities to have your say about policing issues in your local area?",
        "single_choice",
        [("yes", "Yes", False), ("no", "No", False), ("dont_know", "Don't know", True)],
    ),
    (
        "seen_officer",
        "Have you seen a police officer or PCSO in your local area in the last month?",
        "single_choice",
        [("yes", "Yes", False), ("no", "No", False)],
    ),
    (
        "confidence",
        "How much do you agree or disagree: I have confidence in the police in my local area.",
        "single_choice",
        [
            ("strongly_agree", "Strongly agree", False),
            ("tend_to_agree", "Tend to agree", False),
            ("neither", "Neither agree nor disagree", False),
            ("tend_to_disagree", "Tend to disagree", False),
            ("strongly_disagree", "Strongly disagree", False),
            ("dont_know", "Don't know", True),
        ],
    ),
    (
        "comments",
        "Is there anything else you would like to tell us about policing in your local area?",
        "free_text",
        [],
    ),
]

survey = sa.table(
    "survey_survey",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("created_at", sa.DateTime),
)
question = sa.table(
    "survey_question",
    sa.column("id", sa.Integer),
    sa.column("survey_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("text", sa.Text),
    sa.column("kind", sa.String),
    sa.column("position", sa.Integer),
)
option = sa.table(
    "survey_answer_option",
    sa.column("question_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("position", sa.Integer),
    sa.column("excluded_from_base", sa.Boolean),
)


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    survey_id = bind.execute(
        survey.insert()
        .values(
            code=SURVEY_CODE,
            title="OPCC public-confidence survey",
            description="The Police and Crime Commissioner's quarterly survey of residents "
            "(since 2014), including the two engagement questions.",
            created_at=now,
        )
        .returning(survey.c.id)
    ).scalar_one()
    for position, (code, text, kind, options) in enumerate(QUESTIONS):
        question_id = bind.execute(
            question.insert()
            .values(survey_id=survey_id, code=code, text=text, kind=kind, position=position)
            .returning(question.c.id)
        ).scalar_one()
        if options:
            op.bulk_insert(
                option,
                [
                    {
                        "question_id": question_id,
                        "code": o_code,
                        "label": label,
                        "position": o_pos,
                        "excluded_from_base": excluded,
                    }
                    for o_pos, (o_code, label, excluded) in enumerate(options)
                ],
            )


def downgrade() -> None:
    op.execute(survey.delete().where(survey.c.code == SURVEY_CODE))
