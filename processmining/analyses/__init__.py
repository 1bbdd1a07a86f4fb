"""Analyses: pure functions from an EventLog (and options) to frozen result objects."""
