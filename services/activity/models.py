"""Tables of the activity service (all prefixed `activity_`): the base every domain's
`models.py` declares its tables on, the audit table, and every domain's tables imported so that
each user of the metadata (migrations, tests) sees them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from shared.audit import audit_table
from shared.db import service_registry


class ActivityTable(SQLModel, registry=service_registry()):
    """Base of every activity-service table (own MetaData, own migrations)."""


# Append-only audit records of this service's writes and exports (`shared.audit`).
ACTIVITY_AUDIT = audit_table(ActivityTable.metadata, "activity")

# Each domain declares its tables in its own package; imported here (after the base they
# build on) so that the metadata is complete whichever module is imported first.
from services.activity.activities import models as _activities  # noqa: E402, F401
from services.activity.analytics import models as _analytics  # noqa: E402, F401
from services.activity.areas import models as _areas  # noqa: E402, F401
from services.activity.groups import models as _groups  # noqa: E402, F401
from services.activity.plans import models as _plans  # noqa: E402, F401
from services.activity.police_uk import models as _police_uk  # noqa: E402, F401
from services.activity.volunteering import models as _volunteering  # noqa: E402, F401
