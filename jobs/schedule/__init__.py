"""Scheduling: the sources file, per-source poll state, claims across workers, the scheduler."""
