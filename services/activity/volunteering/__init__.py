"""The volunteer hours registry: citizens-in-policing hours given per month."""
