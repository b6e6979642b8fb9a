"""Adaptive recompilation: attribution, the Beta posterior, the revised profile, incremental
recompilation and variant selection (issue 21)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.adaptive.attribute import WHOLE_SKILL_WEIGHT, attribute, requirements_by_line
from skillir.adaptive.incremental import compare, compile_ir, fingerprint, required
from skillir.adaptive.posterior import (
    CLAIMED_RATE,
    PRIOR_STRENGTH,
    THRESHOLD,
    beta_cdf,
    posterior,
    prior,
    revised_levels,
)
from skillir.adaptive.revise import revise
from skillir.adaptive.select import compare as compare_variants
from skillir.adaptive.select import sign_test, split
from skillir.analysis.cap.profiles import LevelEvidence, load_profile, save_profile

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "lit_tests" / "golden" / "Inputs"
STRONG = ROOT / "lit_tests" / "golden-targets" / "Inputs" / "strong.json"


def _levels_only(**lowered: int):
    """The strong profile without its probe counts (levels only), with `lowered` levels."""
    profile = load_profile(STRONG)
    levels = profile.levels | {k.replace("_", "."): v for k, v in lowered.items()}
    return dataclasses.replace(profile, levels=levels, evidence={})


SKILL = """\
---
name: tidy-data
description: Tidy a data file. Use when the user asks to clean data.txt.
---

# Tidy data

## Steps

1. Run `python3 scripts/clean.py data.txt` to clean the file.
2. Read the file `notes.md` and summarise it.
3. Write the summary to `summary.md`.
"""


def _integrate_cdf(x: float, a: float, b: float, n: int = 100_000) -> float:
    """P(X <= x) for Beta(a, b) by the midpoint rule: an independent check of `beta_cdf`."""
    norm = math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    h = x / n
    total = sum(((i + 0.5) * h) ** (a - 1) * (1 - (i + 0.5) * h) ** (b - 1) for i in range(n))
    return total * h / norm


@pytest.mark.parametrize(
    ("x", "a", "b", "expected"),
    [
        (0.3, 1, 1, 0.3),  # uniform
        (0.5, 2, 1, 0.25),  # x^2
        (0.5, 1, 2, 0.75),  # 1 - (1 - x)^2
        (0.6, 2, 2, 3 * 0.36 - 2 * 0.216),  # 3x^2 - 2x^3
        (0.6, 1, 3, 1 - 0.4**3),
    ],
)
def test_beta_cdf_matches_closed_forms(x, a, b, expected):
    assert beta_cdf(x, a, b) == pytest.approx(expected, abs=1e-12)


def test_beta_cdf_of_the_arcsine_distribution():
    assert beta_cdf(0.6, 0.5, 0.5) == pytest.approx(2 / math.pi * math.asin(math.sqrt(0.6)))


@pytest.mark.parametrize(("a", "b"), [(3.2, 0.8), (3.2, 5.8), (10, 20), (4.2, 5.8)])
def test_beta_cdf_matches_numeric_integration(a, b):
    assert beta_cdf(THRESHOLD, a, b) == pytest.approx(_integrate_cdf(THRESHOLD, a, b), abs=1e-4)


def _skill(tmp_path: Path) -> Path:
    folder = tmp_path / "tidy-data"
    folder.mkdir()
    (folder / "SKILL.md").write_text(SKILL, encoding="utf-8")
    return folder


def _trace(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _step(node: str, line: int, events: list[dict], status: str = "ok", message: str = ""):
    start = {"event": "node_start", "agent": "main", "node": node, "kind": "step"}
    end = {"event": "node_end", "agent": "main", "node": node, "kind": "step"}
    return [
        start | {"span": f"SKILL.md:{line}"},
        *({"agent": "main"} | e for e in events),
        end | {"status": status, "message": message},
    ]


def _tool(name: str, ok: bool, **arguments) -> dict:
    return {"event": "tool", "name": name, "arguments": arguments, "ok": ok, "timed_out": False}


def test_requirements_are_found_per_step_line(tmp_path):
    by_line, whole = requirements_by_line(_skill(tmp_path) / "SKILL.md")
    assert "tool.exec" in by_line[10]
    assert "tool.file.read" in by_line[11]
    assert "tool.file.write" in by_line[12]
    assert whole["tool.exec"] == by_line[10]["tool.exec"]
    # each step inherits what its procedure (the Steps section) requires itself
    assert all(by_line[line]["follow.procedure"] >= 1 for line in (10, 11, 12))


def test_a_failed_command_is_evidence_against_the_steps_exec_requirement(tmp_path):
    skill = _skill(tmp_path)
    by_line, _ = requirements_by_line(skill / "SKILL.md")
    events = [_tool("execute_command", False, command="python3 scripts/clean.py data.txt")]
    trace = _trace(tmp_path / "run" / "trace.jsonl", _step("t1", 10, events, "tool-error"))
    found = attribute(trace, skill / "SKILL.md", passed=False, run="r1")
    against = {(o.primitive, o.level) for o in found.observations if not o.passed}
    assert ("tool.exec", by_line[10]["tool.exec"]) in against
    assert all(o.weight == 1.0 and o.node == "t1" for o in found.observations)
    assert not any(o.passed for o in found.observations)  # a failed run gives no passes


def test_a_node_is_one_trial_however_often_a_call_fails(tmp_path):
    skill = _skill(tmp_path)
    events = [_tool("execute_command", False, command="python3 scripts/clean.py")] * 4
    trace = _trace(tmp_path / "run" / "trace.jsonl", _step("t1", 10, events, "tool-error"))
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert [o.primitive for o in found.observations].count("tool.exec") == 1


def test_a_command_failing_on_a_missing_file_is_unattributed(tmp_path):
    skill = _skill(tmp_path)
    event = _tool("execute_command", False, command="cat out.txt")
    event["output"] = "cat: out.txt: No such file or directory"
    trace = _trace(tmp_path / "run" / "trace.jsonl", _step("t1", 10, [event] * 2, "tool-error"))
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert found.observations == []
    missing = [u for u in found.unattributed if u.reason.startswith("missing input")]
    assert len(missing) == 1  # once per node, however often it happened


def test_a_command_step_answered_with_another_tool_is_half_evidence_against_exec(tmp_path):
    skill = _skill(tmp_path)
    events = [_tool("write_file", True, path="data.txt", content="cleaned")]
    trace = _trace(tmp_path / "run" / "trace.jsonl", _step("t1", 10, events))
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert [(o.primitive, o.weight, o.passed) for o in found.observations] == [
        ("tool.exec", 0.5, False)
    ]


def test_a_signal_about_a_primitive_the_step_does_not_require_is_unattributed(tmp_path):
    skill = _skill(tmp_path)
    events = [_tool("read_file", False, path="missing.txt")]
    trace = _trace(tmp_path / "run" / "trace.jsonl", _step("t3", 12, events))  # a write step
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert not [o for o in found.observations if o.primitive == "tool.file.read"]
    assert any("read failed" in u.reason for u in found.unattributed)


def test_a_failed_run_without_any_signal_is_unattributed_not_forced(tmp_path):
    skill = _skill(tmp_path)
    records = _step("t1", 10, [_tool("execute_command", True, command="ls")])
    trace = _trace(tmp_path / "run" / "trace.jsonl", records)
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert found.observations == []
    assert [u.reason for u in found.unattributed] == ["the grader failed the run; no signal"]


def test_a_timeout_is_recorded_as_unattributed(tmp_path):
    skill = _skill(tmp_path)
    trace = _trace(tmp_path / "r" / "trace.jsonl", _step("t2", 11, [], "timeout", "over 60 s"))
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert found.observations == []
    assert "timeout: over 60 s" in [u.reason for u in found.unattributed]


def test_a_passed_run_is_a_pass_for_each_requirement_of_its_ok_steps(tmp_path):
    skill = _skill(tmp_path)
    by_line, _ = requirements_by_line(skill / "SKILL.md")
    records = _step("t1", 10, [_tool("execute_command", True, command="ls")])
    records += _step("t3", 12, [_tool("write_file", True, path="summary.md", content="x")])
    trace = _trace(tmp_path / "run" / "trace.jsonl", records)
    found = attribute(trace, skill / "SKILL.md", passed=True)
    passed = {(o.node, o.primitive) for o in found.observations if o.passed}
    assert passed == {("t1", p) for p in by_line[10]} | {("t3", p) for p in by_line[12]}


def test_invalid_json_and_invalid_tool_calls_point_at_their_primitives(tmp_path):
    folder = tmp_path / "emit-json"
    folder.mkdir()
    (folder / "SKILL.md").write_text(
        "---\nname: emit-json\ndescription: Write JSON. Use when asked for status.json.\n---\n"
        "\n# Emit\n\n## Steps\n\n1. Read `data.txt` and count its lines.\n"
        "2. Produce a JSON object with the keys `ok` and `count` and write it to `status.json`.\n",
        encoding="utf-8",
    )
    by_line, _ = requirements_by_line(folder / "SKILL.md")
    assert {"gen.text.structured", "tool.file.write", "tool.call.format"} <= set(by_line[11])
    events = [_tool("write_file", True, path="status.json", content="{ok: yes")]
    records = _step("t2", 11, events, "model-error", "no valid tool call in 3 replies in a row")
    trace = _trace(tmp_path / "run" / "trace.jsonl", records)
    found = attribute(trace, folder / "SKILL.md", passed=False)
    assert {o.primitive for o in found.observations} == {"gen.text.structured", "tool.call.format"}


def test_a_run_without_plan_nodes_counts_at_half_weight_over_the_whole_skill(tmp_path):
    skill = _skill(tmp_path)
    records = [
        {"event": "start"},
        {"agent": "main"} | _tool("execute_command", False, command="python3 x.py"),
        {"event": "end", "status": "tool-error", "message": "3 tool calls in a row failed"},
    ]
    trace = _trace(tmp_path / "run" / "trace.jsonl", records)
    found = attribute(trace, skill / "SKILL.md", passed=False)
    assert found.observations
    assert {o.weight for o in found.observations} == {WHOLE_SKILL_WEIGHT}
    assert {o.node for o in found.observations} == {"run"}


def test_the_prior_comes_from_probe_counts_else_from_the_level(tmp_path):
    profile = _levels_only()
    with_counts = dataclasses.replace(
        profile, evidence={"tool.exec": (LevelEvidence(2, True, 3, 4),)}
    )
    assert prior(with_counts, "tool.exec", 2) == (4.0, 2.0)
    assert profile.level("tool.exec") >= 1
    assert prior(profile, "tool.exec", 1) == pytest.approx(
        (PRIOR_STRENGTH * CLAIMED_RATE, PRIOR_STRENGTH * (1 - CLAIMED_RATE))
    )


def _obs(primitive: str, level: int, passed: bool, n: int):
    from skillir.adaptive.attribute import Observation

    return [Observation(primitive, level, passed, 1.0, f"r{i}", "t1", "x") for i in range(n)]


def test_the_posterior_update_matches_hand_computed_values():
    profile = _levels_only()
    assert profile.level("gen.code.python") == 3
    # claimed, no probe counts: prior Beta(3.2, 0.8); + 5 failures + 1 pass = Beta(4.2, 5.8)
    (cell,) = posterior(
        profile, _obs("gen.code.python", 3, False, 5) + _obs("gen.code.python", 3, True, 1)
    )
    assert (cell.alpha, cell.beta) == pytest.approx((4.2, 5.8))
    assert cell.prior_p_below == pytest.approx(_integrate_cdf(THRESHOLD, 3.2, 0.8), abs=1e-4)
    assert cell.p_below == pytest.approx(_integrate_cdf(THRESHOLD, 4.2, 5.8), abs=1e-4)
    assert cell.p_below == pytest.approx(0.8754, abs=1e-4)  # below the 0.9 confidence: kept
    assert not cell.withdrawn
    # 8 failures: Beta(3.2, 8.8), P(rate < 0.6) = 0.9916 > 0.9: L3 is withdrawn, L2 remains
    cells = posterior(profile, _obs("gen.code.python", 3, False, 8))
    assert cells[0].p_below == pytest.approx(0.9916, abs=1e-4)
    assert revised_levels(profile, cells) == {"gen.code.python": 2}


def test_little_evidence_does_not_lower_a_level():
    profile = _levels_only()
    cells = posterior(profile, _obs("gen.code.python", 3, False, 1))
    assert not cells[0].withdrawn
    assert revised_levels(profile, cells) == {}


def test_evidence_never_raises_a_level():
    profile = _levels_only(tool_web=0)
    cells = posterior(profile, _obs("tool.web", 1, True, 20))
    assert revised_levels(profile, cells) == {}


def test_the_revised_profile_names_its_parent_and_leaves_it_alone(tmp_path):
    parent_path = tmp_path / "parent.json"
    parent_path.write_bytes(STRONG.read_bytes())
    before = hashlib.sha256(parent_path.read_bytes()).hexdigest()
    parent = load_profile(parent_path)
    cells = posterior(parent, _obs("gen.code.python", 3, False, 8))
    lowered = revised_levels(parent, cells)
    child = revise(parent, cells, lowered, ["r1:task:0"])
    out = save_profile(child, tmp_path / "child.json")
    assert hashlib.sha256(parent_path.read_bytes()).hexdigest() == before
    again = load_profile(out)
    assert again.level("gen.code.python") == 2
    assert again.provenance["parent"] == str(parent_path)
    assert again.provenance["parent_sha256"] == before
    assert json.loads(again.provenance["runs"]) == ["r1:task:0"]
    evidence = json.loads(again.provenance["runtime_evidence"])
    assert evidence[0]["runtime"] == [0.0, 8.0] and evidence[0]["withdrawn"]
    assert {p: again.level(p) for p in again.levels if p != "gen.code.python"} == {
        p: parent.level(p) for p in parent.levels if p != "gen.code.python"
    }


def test_recompiling_changes_only_ops_that_require_a_lowered_primitive(tmp_path):
    skill = GOLDEN / "csv-sales-report"
    parent = load_profile(STRONG)
    lowered = {"gen.code.python": 1}
    child = dataclasses.replace(parent, levels=parent.levels | lowered, path=None)
    child_path = save_profile(child, tmp_path / "child.json")
    before = compile_ir(skill, "bare", STRONG)
    after = compile_ir(skill, "bare", child_path)
    change = compare(before, after, set(lowered))
    assert change.changed, "lowering gen.code.python to L1 must change the pandas blocks"
    assert change.untouched_changed == []
    untouched = [
        op
        for op in before.walk()
        if op.name.startswith("skill.") and required(op) and not required(op) & set(lowered)
    ]
    assert untouched
    prints = {fingerprint(op) for op in after.walk() if op.name.startswith("skill.")}
    assert all(fingerprint(op) in prints for op in untouched)


def test_the_split_is_seeded_disjoint_and_independent_of_order():
    ids = [f"task-{i}" for i in range(10)]
    evidence, held = split(ids, 0.5, seed=3)
    assert set(evidence).isdisjoint(held) and set(evidence) | set(held) == set(ids)
    assert split(list(reversed(ids)), 0.5, seed=3) == (evidence, held)
    assert len(held) == 5 and len(split(ids, 0.25, seed=3)[1]) == 2  # round(0.25 * 10)
    assert split(ids, 0.5, seed=4) != (evidence, held)  # another seed, another split
    assert split(["a", "b"], 0.01, seed=0)[1]  # two tasks: one is always held out
    assert split(["a", "b"], 0.99, seed=0)[0]  # and one is always evidence


def test_the_sign_test_matches_the_binomial_tail():
    assert sign_test(5, 0) == pytest.approx(1 / 32)
    assert sign_test(4, 1) == pytest.approx(6 / 32)
    assert sign_test(0, 0) == 1.0


def test_a_candidate_better_only_on_the_evidence_set_is_rejected():
    # on the evidence tasks the candidate won every pair; selection sees only the held-out
    # pairs, where it wins one and loses one
    current = [(1.0, True), (0.0, False), (1.0, True), (0.0, False)]
    candidate = [(1.0, True), (1.0, True), (0.0, False), (0.0, False)]
    verdict = compare_variants(current, candidate)
    assert not verdict.accepted
    assert "no significant change" in verdict.describe()
    better = compare_variants([(0.0, False)] * 6, [(1.0, True)] * 6)
    assert better.accepted and better.p_value == pytest.approx(1 / 64)


def _adapt(*args: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "skillir.tools.skill_adapt", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_cli_usage_errors_exit_2(tmp_path):
    suite = ROOT / "bench" / "adaptive_tasks"
    skill = _skill(tmp_path)
    missing = _adapt(str(tmp_path / "nope"), "--tasks", str(suite), "-o", str(tmp_path / "o"))
    assert missing.returncode == 2 and "not a skill folder" in missing.stderr
    bad = _adapt(str(skill), "--tasks", str(suite), "--held-out", "1.5", "-o", str(tmp_path / "o"))
    assert bad.returncode == 2 and "--held-out" in bad.stderr
    profile = tmp_path / "p.json"
    profile.write_text("{", encoding="utf-8")
    broken = _adapt(str(skill), "--tasks", str(suite), "--profile", str(profile), "-o", "o")
    assert (
        broken.returncode == 2 and "--profile" in broken.stderr and "Traceback" not in broken.stderr
    )
    tasks = _adapt(
        str(skill), "--tasks", str(tmp_path), "--profile", str(STRONG), "-o", str(tmp_path / "o")
    )
    assert tasks.returncode == 2 and "--tasks" in tasks.stderr


def test_the_report_shows_the_posterior_the_change_and_the_verdict(tmp_path):
    from skillir.adaptive.attribute import Attribution, Unattributed
    from skillir.adaptive.incremental import Change
    from skillir.adaptive.loop import Outcome, Round
    from skillir.adaptive.report import render

    profile = _levels_only()
    cells = posterior(profile, _obs("gen.code.python", 3, False, 8))
    run = {"passed": False, "score": 0.0, "prompt_tokens": 100, "completion_tokens": 20}
    held = [run, run | {"passed": True, "score": 1.0}]
    verdict = compare_variants([(0.0, False), (1.0, True)], [(1.0, True), (1.0, True)])
    lost = Attribution([], [Unattributed("r1:t:0", "t2", "timeout: over 60 s")])
    one = Round(1, [run] * 3, lost, cells, {"gen.code.python": 2})
    one.change = Change(["skill.code at 29:4"], 12, [], "--- a\n+++ b\n")
    one.current_runs, one.candidate_runs, one.verdict = held, held, verdict
    two = Round(2, [run], Attribution(), [], {}, stopped="no level withdrawn")
    text = render(Outcome(["a", "b"], ["c", "d"], [one, two], tmp_path, tmp_path, 1), "demo")
    assert "| gen.code.python | L3 | yes | 3.2, 0.8 | 0.0, 8.0 |" in text
    assert "gen.code.python → L2" in text and "skill.code at 29:4" in text
    assert "timeout: over 60 s" in text and "no significant change" in text
    assert "Stopped: no level withdrawn." in text
    assert "1/2 passed [" in text  # held-out pass counts with their interval


def test_the_adaptive_condition_stages_the_variant_skill_adapt_kept(tmp_path, monkeypatch):
    from skillir.adaptive.store import save
    from skillir.bench.conditions import CONDITIONS, ConditionError, Target
    from skillir.bench.staging import new_stage
    from skillir.bench.tasks import load_task

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    task = load_task(ROOT / "bench" / "adaptive_tasks" / "sum-00")
    target = Target("bare", "local/smollm2-135m", None)
    condition = CONDITIONS["adaptive"]()
    with pytest.raises(ConditionError, match="run skill-adapt first"):
        condition.skill_path(task, new_stage(tmp_path), target)
    variant = tmp_path / "variant"
    variant.mkdir()
    (variant / "SKILL.md").write_text(SKILL.replace("tidy-data", "number-stats"), "utf-8")
    save(task.skills[0], target.model, target.harness, variant, STRONG)
    staged = condition.skill_path(task, new_stage(tmp_path), target)
    assert staged.name == "number-stats"
    assert (staged / "SKILL.md").read_text("utf-8") == (variant / "SKILL.md").read_text("utf-8")
    other = Target("bare", "openai/gpt-5.4", None)  # another model has no variant
    with pytest.raises(ConditionError):
        condition.skill_path(task, new_stage(tmp_path), other)
