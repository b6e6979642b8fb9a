"""JIT solidification: repeated tool-call structures in a skill's traces become parameterised
programs (argv commands and file writes with typed, traced parameters and a postcondition),
validated leave-one-out, stored per (skill digest, model, harness) and run by argv before the
model is asked (docs/jit.md)."""
