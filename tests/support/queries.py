"""Watching the SQL a service sends: for tests that a request's query count does not grow."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import event


@contextlib.contextmanager
def counting_selects(client: httpx.AsyncClient) -> Iterator[list[str]]:
    """The SELECT statements the client's service sends while the block runs."""
    engine = client.app.state.db.engine.sync_engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
