"""Schemathesis hooks for tests/gateway/test_schemathesis.py (loaded by SCHEMATHESIS_HOOKS).

A survey import's file part may be an XLSX workbook: its bytes go as they are, like any
binary upload (Schemathesis knows no serializer for that media type by itself).
"""

from __future__ import annotations

import schemathesis

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

schemathesis.serializer.alias(XLSX, "application/octet-stream")
