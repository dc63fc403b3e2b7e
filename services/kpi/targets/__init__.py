"""Dated targets of a KPI (per area or force-wide), with a tolerance."""
