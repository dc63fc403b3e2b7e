"""Read-only registry summaries (beat profiles, priorities, community groups) for the KPIs."""
