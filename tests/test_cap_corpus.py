"""The capability pipeline over every corpus skill, against three real profiles.

Weak: qwen3.5-9b, medium: qwen3.5-35b-a3b, strong: gpt-5.4 (bare agent). Each compile must pass
the guard and verify; outputs must differ exactly where the compensation differs; the strong
target's output must not be longer than the original.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skillir.analysis.cap.pipeline import compile_for
from skillir.diagnostics import ACTIVE, DiagnosticSink, Severity
from skillir.dialects import cap
from skillir.frontend.markdown import render_module
from skillir.frontend.parser import parse_skill

from .conftest import CORPUS, corpus_skill_files

PROFILES = CORPUS.parent / "profiles" / "skvm"
TARGETS = {
    "weak": "bare-agent__qwen--qwen3.5-9b.json",
    "medium": "bare-agent__qwen--qwen3.5-35b-a3b.json",
    "strong": "bare-agent__openai--gpt-5.4.json",
}


def compile_skill(
    path: Path, target: str
) -> tuple[str, list[tuple[str, str, str]], DiagnosticSink]:
    sink = DiagnosticSink(str(path))
    token = ACTIVE.set(sink)
    try:
        module = parse_skill(path.read_bytes(), str(path), sink)
        compile_for(module, str(PROFILES / TARGETS[target]))
        module.verify()
    finally:
        ACTIVE.reset(token)
    requirements = [op for op in module.walk() if isinstance(op, cap.RequireOp)]
    reasons = [d for d in sink.diagnostics if d.message.startswith("no capability requirements")]
    assert requirements or reasons, "no requirements and no stated reason"
    # what was done, without the levels: two targets one note serves alike compile alike
    actions = sorted(
        (op.strategy.data, op.primitive.data, re.sub(r"^L\d->L\d: ", "", op.detail.data))
        for op in module.walk()
        if isinstance(op, cap.CompensateOp) and op.detail is not None
    )
    return render_module(module), actions, sink


@pytest.mark.slow
@pytest.mark.parametrize("path", corpus_skill_files(), ids=lambda p: p.parent.name)
def test_corpus_compiles_for_three_targets(path: Path) -> None:
    original = path.read_bytes().decode("utf-8")
    results = {name: compile_skill(path, name) for name in TARGETS}
    for name, (_, _, sink) in results.items():
        errors = [d.render() for d in sink.diagnostics if d.severity is Severity.ERROR]
        guard = [e for e in errors if "compensation guard" in e]
        assert not guard, f"{name}: {guard}"
    strong_text = results["strong"][0]
    assert len(strong_text) <= len(original), "the strong target's output grew"
    names = list(TARGETS)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            same_actions = results[a][1] == results[b][1]
            assert (results[a][0] == results[b][0]) == same_actions, (a, b)
