"""Demo data for the survey service (the OPCC survey itself is reference data, migrated)."""

from __future__ import annotations

from shared.db import Database


async def load_demo(db: Database, size: int) -> bool:
    """Nothing to add yet beyond the seeded definitions; responses come with imports."""
    del db, size
    return False
