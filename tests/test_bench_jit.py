"""skill-bench's `jit` condition: the compiled skill run with a JIT store mined from scripted
runs of that compiled skill (bench/jit_families/count-words); where a promoted candidate binds
to a held-out prompt the run needs no model, is graded like any other, and its record says the
candidate fired; where none binds the model does the task."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skillir.analysis.cap.profiles import SHIPPED_PROFILES
from skillir.bench import results
from skillir.bench.conditions import CONDITIONS, Target
from skillir.bench.runner import RunSpec, run_one
from skillir.bench.staging import new_stage
from skillir.bench.tasks import load_task
from skillir.runtime.jit.record import record_run
from skillir.runtime.llm import DEFAULT_MODEL

FAMILY = Path(__file__).parents[1] / "bench" / "jit_families" / "count-words"
SHARED = Path(__file__).parents[1].parent / "shared" / "profiles" / "skvm"
BENCH = [sys.executable, "-m", "skillir.tools.skill_bench"]
JIT = [sys.executable, "-m", "skillir.tools.skill_jit"]
UNBOUND = {  # outside the family's phrasings: the file is named by description
    "prompt": "How many words are in the notes file? Answer in out.txt.",
    "files": {"notes.txt": "one two three\nfour five\n"},
    "params": {"input": "notes.txt", "output": "out.txt"},
}


def _profile() -> Path:
    """A profile to compile for: the embedded model's shipped one, else a shared one."""
    for path in (
        SHIPPED_PROFILES / "smollm2-135m__json-constrained.json",
        SHARED / "bare-agent__qwen--qwen3.5-9b.json",
    ):
        if path.is_file():
            return path
    pytest.skip("no profile to compile with (shipped or ../shared/profiles/skvm)")


def _task(root: Path, name: str, item: dict) -> Path:
    """A task.json folder for one family item, graded by the word count Python computes."""
    skills = root / "_skills" / "count-words"
    if not skills.is_dir():
        shutil.copytree(FAMILY / "skill", skills)
    folder = root / name
    for rel, text in item["files"].items():
        (folder / "fixtures" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "fixtures" / rel).write_text(text)
    count = len(item["files"][item["params"]["input"]].split())
    check = {"method": "file-check", "path": item["params"]["output"], "mode": "equals"}
    task = {
        "prompt": item["prompt"],
        "timeoutMs": 120_000,
        "maxSteps": 4,
        "skill": "../_skills/count-words",
        "eval": [check | {"expected": str(count), "weight": 1}],
    }
    (folder / "task.json").write_text(json.dumps(task))
    return folder


def _store(root: Path, profile: Path) -> Path:
    """A store mined from four scripted runs of the compiled skill (the one the jit condition
    stages) on the family's training prompts."""
    data = json.loads((FAMILY / "prompts.json").read_text())
    (root / "compile").mkdir(parents=True)
    stage = new_stage(root / "compile")
    task = load_task(_task(root / "train", "t0", data["train"][0]))
    skill = CONDITIONS["jit"]().skill_path(task, stage, Target(profile=profile))
    traces = []
    for i, item in enumerate(data["train"][:4]):
        work, trace = root / "train" / f"run{i}" / "work", root / "train" / f"run{i}" / "trace"
        work.mkdir(parents=True)
        for rel, text in item["files"].items():
            (work / rel).write_text(text)
        command = f"wc -w < {item['params']['input']} > {item['params']['output']}"
        calls = [("execute_command", {"command": command})]
        assert (
            record_run(skill, item["prompt"], work, trace, calls, DEFAULT_MODEL)["status"] == "ok"
        )
        traces.append(str(trace))
    store = root / "store"
    mined = subprocess.run(
        [*JIT, "mine", *traces, "-o", str(store)], capture_output=True, text=True
    )
    assert mined.returncode == 0 and ": promoted (4 runs" in mined.stdout, mined.stdout
    return store


def _bench(root: Path, tasks: list[Path], conditions: str, *extra: str) -> list[dict]:
    root.mkdir(parents=True, exist_ok=True)
    out = root / "results.jsonl"
    argv = [*BENCH, "run", *map(str, tasks), "--conditions", conditions, "-o", str(out)]
    argv += ["--profile", str(_profile()), "--jobs", "1", "-q", *extra]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr  # 1: no run ended ok (a model's max-steps)
    return results.load(out)


def test_jit_condition_fires_without_model(tmp_path):
    store = _store(tmp_path, _profile())
    heldout = json.loads((FAMILY / "prompts.json").read_text())["heldout"]
    tasks = [_task(tmp_path / "tasks", f"h{i}", heldout[i]) for i in range(2)]
    keep = tmp_path / "keep"
    records = _bench(tmp_path, tasks, "jit", "--jit-store", str(store), "--keep", str(keep))
    assert len(records) == 2
    for r in records:
        assert r["condition"] == "jit" and r["status"] == "ok" and r["passed"], r
        assert r["jit_fired"] == 1 and r["jit"].startswith("count-words-")
        assert r["llm_calls"] == 0 and r["prompt_tokens"] == r["completion_tokens"] == 0
        assert r["tool_calls"] == 1  # the program's one command, counted like a model's
        trace = Path(r["run_dir"]) / "trace"
        events = [json.loads(line) for line in (trace / "trace.jsonl").read_text().splitlines()]
        fired = [e for e in events if e["event"] == "jit"]
        assert len(fired) == 1 and fired[0]["ok"] and fired[0]["candidate"] == r["jit"]
        assert json.loads((trace / "grade.json").read_text()) == {"passed": True}


def test_jit_condition_needs_a_store(tmp_path):
    task = _task(tmp_path, "h", UNBOUND)
    out = tmp_path / "r.jsonl"
    for extra, message in (
        ((), "the jit condition needs --jit-store STORE"),
        (("--jit-store", str(tmp_path / "nowhere")), "no such directory"),
    ):
        argv = [*BENCH, "run", str(task), "--conditions", "compiled,jit", "-o", str(out), *extra]
        proc = subprocess.run(argv, capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    argv = [*BENCH, "run", str(task), "--conditions", "original", "-o", str(out)]
    proc = subprocess.run([*argv, "--jit-store", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "used by the jit condition only" in proc.stderr
    assert not out.exists()
    spec = RunSpec(str(task), "h", "jit", 0, 0, DEFAULT_MODEL)  # the runner without a store
    record = run_one(spec)
    assert record["status"] == "condition-error" and "needs a JIT store" in record["message"]


@pytest.mark.slow
def test_compiled_and_jit_conditions_side_by_side(tmp_path):
    """compiled (the model, one step) beside jit (the program) on a held-out prompt; a prompt
    no candidate binds goes to the model under jit too."""
    store = _store(tmp_path, _profile())
    heldout = json.loads((FAMILY / "prompts.json").read_text())["heldout"]
    tasks = [_task(tmp_path / "tasks", "h0", heldout[0])]
    records = _bench(tmp_path, tasks, "compiled,jit", "--jit-store", str(store), "--max-steps", "1")
    by = {r["condition"]: r for r in records}
    assert by["compiled"]["llm_calls"] >= 1 and by["compiled"]["prompt_tokens"] > 0
    assert "jit" not in by["compiled"]
    jit = by["jit"]
    assert jit["jit_fired"] == 1 and jit["passed"] and jit["llm_calls"] == 0
    assert jit["prompt_tokens"] + jit["completion_tokens"] == 0
    unbound = _task(tmp_path / "tasks2", "u", UNBOUND)
    [fallback] = _bench(
        tmp_path / "u", [unbound], "jit", "--jit-store", str(store), "--max-steps", "1"
    )
    assert fallback["jit_fired"] == 0 and fallback["jit"] is None
    assert fallback["llm_calls"] >= 1 and fallback["prompt_tokens"] > 0
