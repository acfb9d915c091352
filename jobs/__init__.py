"""Scheduled work: fetching sources, parsing them into observations, extracting facts."""
