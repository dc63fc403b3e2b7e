"""A KPI's series over time as an XmR chart."""
