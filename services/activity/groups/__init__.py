"""The community groups registry (IAGs, Watch schemes, youth panels, schools)."""
