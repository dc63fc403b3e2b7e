"""The scorecard: every KPI for an area and period, grouped as the report's table."""
