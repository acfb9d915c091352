"""crownlog: an auditable, replayable record of the open-weights AI model race."""

__version__ = "0.1.0"
