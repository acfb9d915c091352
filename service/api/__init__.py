"""The read API and dashboard (FastAPI)."""
