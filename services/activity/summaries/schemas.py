"""The summary shapes are the shared contract the KPI service reads them with."""

from __future__ import annotations

from shared.contracts.registers import MAX_SUMMARY_DAYS, RegisterCounts, RegisterSummary

__all__ = ["MAX_SUMMARY_DAYS", "RegisterCounts", "RegisterSummary"]
