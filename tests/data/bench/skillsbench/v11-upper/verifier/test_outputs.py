"""Verifier of v11-upper."""

from pathlib import Path


def test_upper():
    assert Path("/app/upper.txt").read_text().strip() == "ALPHA BETA"
