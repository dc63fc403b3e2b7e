"""The seeded `informed` question in the survey's published words

The seed (b51c0d2e7f10) stored "How well informed do you feel about what the police are doing
to tackle crime and anti-social behaviour in your local area?"; the survey's published wording
is "How well informed do you feel about what the police are doing to tackle crime
and ASB?". This corrects the seed in place: the question text and its wording version 1 are
changed only where they still hold the old seeded words, so a wording recorded since (a new
version, a break in the series) is left as it is. It is not a new wording version.

Revision ID: e2f4a6c8d0b1
Revises: ca3254081e0b
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2f4a6c8d0b1"
down_revision: str | None = "ca3254081e0b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURVEY_CODE = "opcc"
QUESTION_CODE = "informed"
SEEDED = (
    "How well informed do you feel about what the police are doing to tackle crime and "
    "anti-social behaviour in your local area?"
)
DESIGNED = "How well informed do you feel about what the police are doing to tackle crime and ASB?"

survey = sa.table("survey_survey", sa.column("id", sa.Integer), sa.column("code", sa.String))
question = sa.table(
    "survey_question",
    sa.column("id", sa.Integer),
    sa.column("survey_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("text", sa.Text),
)
wording = sa.table(
    "survey_question_wording",
    sa.column("question_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("text", sa.Text),
)


def _replace(old: str, new: str) -> None:
    seeded_question = (
        sa.select(question.c.id)
        .join(survey, survey.c.id == question.c.survey_id)
        .where(survey.c.code == SURVEY_CODE, question.c.code == QUESTION_CODE)
        .scalar_subquery()
    )
    op.execute(
        question.update()
        .where(question.c.id == seeded_question, question.c.text == old)
        .values(text=new)
    )
    op.execute(
        wording.update()
        .where(
            wording.c.question_id == seeded_question,
            wording.c.version == 1,
            wording.c.text == old,
        )
        .values(text=new)
    )


def upgrade() -> None:
    _replace(SEEDED, DESIGNED)


def downgrade() -> None:
    _replace(DESIGNED, SEEDED)
