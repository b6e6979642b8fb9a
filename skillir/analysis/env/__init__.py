"""Environment analysis: dependencies, their values and checks."""
