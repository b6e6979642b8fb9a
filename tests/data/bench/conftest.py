"""The bench fixtures hold task verifiers (test_outputs.py): data, not tests of skillir."""

collect_ignore_glob = ["skillsbench/*"]
