"""HTTP clients of the activity and survey services: the KPI service's only way to their data."""
