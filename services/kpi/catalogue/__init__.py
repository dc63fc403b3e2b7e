"""The KPI catalogue: definitions with their published counting rules."""
