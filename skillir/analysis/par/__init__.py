"""Dataflow and parallelism analysis: read/write sets, plans."""
