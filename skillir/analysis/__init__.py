"""Analyses the passes call: capabilities, environment, parallelism."""
