"""Verifier of harbor-sum: /root/sum.txt holds 42."""

from pathlib import Path


def test_sum_file_exists():
    assert Path("/root/sum.txt").is_file()


def test_sum_value():
    assert Path("/root/sum.txt").read_text().strip() == "42"
