"""Shared fixtures: the corpus beside the repo (tests using it skip when it is absent).

litellm, wherever a test imports it, reads its bundled price table as the runtime has it do
(`skillir.runtime.llm`), never the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def corpus_skill_files() -> list[Path]:
    return sorted(CORPUS.rglob("SKILL.md")) if CORPUS.is_dir() else []


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
