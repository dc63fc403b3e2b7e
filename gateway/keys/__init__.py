"""API keys managed at runtime, kept hashed in the gateway's own store."""
