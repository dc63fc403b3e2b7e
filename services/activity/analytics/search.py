"""Full-text search and topic conditions over the log."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    text,
)

from services.activity.activities.repository import ACTIVITY
from shared.contracts.taxonomy import (
    TOPIC_BITS,
    Topic,
)


def topic_condition(topic: Topic) -> Any:
    return ACTIVITY.c.topic_mask.op("&")(TOPIC_BITS[topic]) != 0


_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(q: str) -> list[str]:
    return _WORD.findall(q)[:20]


def search_condition(dialect: str, words: list[str]) -> Any:
    """Every word must match (stemmed): PostgreSQL full-text search or SQLite FTS5."""
    if dialect == "postgresql":
        # `fts_document`: a stored generated column with a GIN index (PostgreSQL only, so not
        # in the model; see migration 19fd90557df7).
        return text(
            "activity_activity.fts_document @@ plainto_tsquery('english', :fts_query)"
        ).bindparams(fts_query=" ".join(words))
    quoted = " ".join('"' + w.replace('"', "") + '"' for w in words)
    return text(
        "activity_activity.rowid IN (SELECT rowid FROM fts_activity "
        "WHERE fts_activity MATCH :fts_query)"
    ).bindparams(fts_query=quoted)
