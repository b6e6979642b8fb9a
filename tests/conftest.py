"""Shared fixtures: the corpus beside the repo (tests using it skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_skill_files() -> list[Path]:
    return sorted(CORPUS.rglob("SKILL.md")) if CORPUS.is_dir() else []


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
