"""`skill-bench`: tasks x conditions x repeats, graded, with intervals and a report.

See docs/bench.md.
"""
