"""Periods, KPI values from their bindings, targets in force and the RAG rule."""
