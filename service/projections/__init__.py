"""Projections: state folded from the log, persisted with a checkpoint."""
