"""Tables of the survey service (all prefixed `survey_`): the base every domain's `models.py`
declares its tables on, the audit table, and every domain's tables imported so that each user
of the metadata (migrations, tests) sees them all.

Responses keep one row per survey and respondent (`responses/models.py`); survey definitions
(`surveys/models.py`), import jobs (`imports/models.py`) and population margins
(`population/models.py`) have their own tables.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.audit import audit_table
from shared.db import service_registry


class SurveyTable(SQLModel, registry=service_registry()):
    """Base of every survey-service table (own MetaData, own migrations)."""


# Append-only audit records of this service's writes and exports (`shared.audit`).
SURVEY_AUDIT = audit_table(SurveyTable.metadata, "survey")

# Each domain declares its tables in its own package; imported here (after the base they
# build on) so that the metadata is complete whichever module is imported first.
from services.survey.imports import models as _imports  # noqa: E402, F401
from services.survey.population import models as _population  # noqa: E402, F401
from services.survey.responses import models as _responses  # noqa: E402, F401
from services.survey.surveys import models as _surveys  # noqa: E402, F401
