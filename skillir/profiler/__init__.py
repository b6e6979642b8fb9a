"""skill-profile: measure a (model, harness) pair's capability profile (see docs/profiler.md)."""
