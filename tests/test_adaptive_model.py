"""Adaptive recompilation on the embedded model: a planted profile error is found and corrected
(issue 21). Slow: real model runs through skill-bench's runner."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from skillir.adaptive.loop import Settings, adapt
from skillir.analysis.cap.profiles import load_profile, save_profile

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "bench" / "adaptive_tasks"
STRONG = ROOT / "lit_tests" / "golden-targets" / "Inputs" / "strong.json"
PLANTED = ("tool.exec", "follow.procedure")  # what number-stats needs; claimed L3


@pytest.mark.slow
def test_a_planted_profile_error_is_corrected_and_the_kept_variant_is_not_worse(tmp_path):
    pytest.importorskip("llama_cpp")
    strong = load_profile(STRONG)
    planted = save_profile(
        dataclasses.replace(strong, evidence={}, path=None), tmp_path / "planted.json"
    )
    assert all(load_profile(planted).level(p) == 3 for p in PLANTED)
    tasks = tuple(sorted(p for p in SUITE.iterdir() if (p / "task.json").is_file())[:4])
    settings = Settings(
        skill=SUITE / "_skills" / "number-stats",
        tasks=tasks,
        model="local/smollm2-135m",
        profile=planted,
        rounds=1,
        repeats=4,
        held_out=0.25,
        max_steps=3,
    )
    outcome = adapt(settings, tmp_path / "out")
    (first,) = outcome.rounds
    assert len(outcome.held_out_tasks) == 1 and len(outcome.evidence_tasks) == 3  # round(1.0)
    assert len(first.evidence_runs) == 12
    assert all(r["status"] != "error" for r in first.evidence_runs), first.evidence_runs
    failures = {o.primitive for o in first.attribution.observations if not o.passed}
    assert failures & set(PLANTED), first.attribution
    assert set(first.lowered) & set(PLANTED), [vars(c) for c in first.cells]
    revised = load_profile(tmp_path / "out" / "profiles" / "round-1.json")
    assert revised.provenance["parent"] == str(planted)
    assert json.loads(revised.provenance["lowered"]) == first.lowered
    assert first.change is not None and first.change.untouched_changed == []
    assert first.verdict is not None
    current = sum(bool(r["passed"]) for r in first.current_runs)
    kept = first.candidate_runs if first.verdict.accepted else first.current_runs
    assert sum(bool(r["passed"]) for r in kept) >= current
