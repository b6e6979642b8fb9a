"""The runner's checker process, the profile format, and the skill-profile CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from skillir.analysis.cap.profiles import load_profile
from skillir.profiler.base import ANSWER, Instance
from skillir.profiler.generators import make_instance
from skillir.profiler.profile import Checkpoint, Plan, build, sample, to_skvm, write_json
from skillir.profiler.runner import Outcome, evaluate, stage
from skillir.tools.skill_profile import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "skillir" / "data" / "profile.schema.json").read_text())
PRIMS = ("tool.file.read", "reason.logic")


def _solved(primitive: str, level: int, seed: int, solution: str, tmp: Path) -> Outcome:
    """Stage an instance, write its reference (or first wrong) solution, run the real checker
    process: an outcome as the runner records it, without a model."""
    inst = make_instance(primitive, level, seed)
    work = tmp / f"{primitive}-{level}-{seed}-{solution}"
    work.mkdir(parents=True)
    stage(inst, work)
    files = inst.task.reference if solution == "reference" else inst.task.wrong[0]
    for name, text in files.items():
        if name != ANSWER:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(text, encoding="utf-8")
    passed, problem = evaluate(inst, work, "", timeout_s=30)
    assert not problem
    return Outcome(primitive, level, seed, passed, "ok", 100, 0.5, 0.0)


def _in_turn(run):  # noqa: ANN001, ANN202
    """A wave runner that runs `run(primitive, level, seed)` per instance, in this process."""
    return lambda keys, halt: (run(*key) for key in keys if not halt())


def test_checker_runs_in_a_child_process_and_never_in_the_work_dir(tmp_path: Path) -> None:
    assert _solved("tool.file.read", 3, 1, "reference", tmp_path).passed
    assert not _solved("tool.file.read", 3, 1, "wrong", tmp_path).passed
    inst = make_instance("tool.file.read", 3, 1)
    work = tmp_path / "staged"
    work.mkdir()
    stage(inst, work)
    assert sorted(p.name for p in work.iterdir()) == ["big.txt"]  # fixtures only


def test_checker_timeout_counts_as_failure(tmp_path: Path) -> None:
    inst = make_instance("gen.regex", 2, 0)
    (tmp_path / "pattern.txt").write_text("(a+)+$", encoding="utf-8")
    passed, problem = evaluate(inst, tmp_path, "", timeout_s=0.01)
    assert not passed and "timed out" in problem


def test_a_raising_generator_is_a_generator_error_not_a_failure(tmp_path: Path) -> None:
    bogus = Instance("gen.nope", 1, 0, make_instance("gen.regex", 1, 0).task)
    passed, problem = evaluate(bogus, tmp_path, "", timeout_s=30)
    assert not passed and problem.startswith("checker error") and "gen.nope" in problem
    outcomes = [
        Outcome("gen.regex", 1, 0, False, "ok", 10, 1.0, 0.0, problem, checker_error=True),
        Outcome("gen.regex", 1, 1, True, "ok", 10, 1.0, 0.0),
    ]
    data = build(outcomes, Plan(("gen.regex",), (1,), cap=1, start=1), "m/x", "bare", "json", 1)
    assert data["primitives"]["gen.regex"]["cells"]["L1"]["runs"] == 1  # the bug is not counted
    assert data["profiler"]["generator_errors"][0]["seed"] == 0


def _profile(tmp_path: Path, solution_for: dict[tuple[str, int], str]) -> dict:
    """Sample PRIMS with a runner that applies the given solution per cell."""
    plan = Plan(PRIMS, seed=0, cap=6)
    cp = Checkpoint.open(tmp_path / "cp.jsonl", resume=False)

    def run(p: str, lvl: int, seed: int) -> Outcome:
        return _solved(p, lvl, seed, solution_for.get((p, lvl), "reference"), tmp_path / "w")

    sample(plan, _in_turn(run), cp)
    return build(cp.outcomes, plan, "local/smollm2-135m", "bare", "json", 1.0)


def test_profile_format_loads_binds_and_records_inversions(tmp_path: Path) -> None:
    data = _profile(tmp_path, {("reason.logic", 2): "wrong"})
    Draft202012Validator(SCHEMA).validate(data)  # the documented schema, skillir/data/
    path = tmp_path / "p.json"
    write_json(data, path)
    prof = load_profile(path)
    assert prof.model == "local/smollm2-135m" and prof.harness == "bare-agent"
    assert prof.level("tool.file.read") == 3
    assert prof.level("reason.logic") == 1  # L3 passes above a failed L2: not counted
    assert prof.inversions == ("reason.logic",)
    logic = data["primitives"]["reason.logic"]
    assert logic["inversions"] == ["L3"]
    cell = data["primitives"]["tool.file.read"]["cells"]["L1"]
    assert cell["verdict"] == "pass" and cell["runs"] == 6 and cell["interval"][0] >= 0.6
    assert cell["seeds"] == list(range(6)) and cell["tokens"] == 600
    assert data["primitives"]["reason.logic"]["cells"]["L2"]["runs"] == 4  # 0/4: stops early
    # bind-target reads it (the compile path)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "skillir.tools.skill_opt",
            str(ROOT / "examples" / "word-stats"),
            "-p",
            f'bind-target{{profile="{path}"}}',
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "cap.target" in out.stdout and "local/smollm2-135m" in out.stdout
    # the SkVM export reads back with the same levels
    skvm = tmp_path / "skvm.json"
    write_json(to_skvm(data), skvm)
    assert load_profile(skvm).levels == prof.levels


def test_quick_skips_the_levels_above_a_primitive_first_failure(tmp_path: Path) -> None:
    """--quick: a cell stops once it cannot pass by the cap; a primitive whose L1 does not pass
    has no L2/L3 cells (they could not raise its effective level); one that passes every level
    is sampled at every level."""
    plan = Plan(PRIMS, seed=0, cap=6, start=3, quick=True)
    cp = Checkpoint.open(tmp_path / "cp.jsonl", resume=False)

    def run(p: str, lvl: int, seed: int) -> Outcome:
        solution = "wrong" if p == "reason.logic" else "reference"
        return _solved(p, lvl, seed, solution, tmp_path / "w")

    sample(plan, _in_turn(run), cp)
    data = build(cp.outcomes, plan, "local/smollm2-135m", "bare", "json", 1.0)
    logic = data["primitives"]["reason.logic"]
    # the first failure puts a pass (6/6 at cap 6) out of reach: the cell stops there
    assert list(logic["cells"]) == ["L1"] and logic["cells"]["L1"]["runs"] == 1
    assert logic["cells"]["L1"]["verdict"] == "uncertain" and logic["level"] == 0
    assert list(data["primitives"]["tool.file.read"]["cells"]) == ["L1", "L2", "L3"]
    assert data["primitives"]["tool.file.read"]["cells"]["L3"]["runs"] == 6
    assert data["profiler"]["quick"] is True


def test_show_diff_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = tmp_path / "store" / "a.json"
    b = tmp_path / "store" / "b.json"
    write_json(_profile(tmp_path / "a", {}), a)
    write_json(_profile(tmp_path / "b", {("tool.file.read", 1): "wrong"}), b)
    assert main(["show", str(a)]) == 0
    assert "tool.file.read" in capsys.readouterr().out
    assert main(["diff", str(a), str(a)]) == 0
    assert main(["diff", str(a), str(b)]) == 1
    assert "tool.file.read" in capsys.readouterr().out
    assert main(["list", str(tmp_path / "store")]) == 0
    assert capsys.readouterr().out.count("local/smollm2-135m") == 2


def test_bad_input_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.json"
    assert main(["run", "--model", "local/nope", "-o", str(out)]) == 2
    assert "unknown local model" in capsys.readouterr().err
    assert main(["run", "--model", "nosuchprovider/model-x", "-o", str(out)]) == 2
    assert "no provider 'nosuchprovider'" in capsys.readouterr().err
    assert main(["run", "--primitives", "gen.code.pyton", "-o", str(out)]) == 2
    assert "did you mean gen.code.python" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "skillir-profile", "version": 9}\n', encoding="utf-8")
    assert main(["show", str(bad)]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow  # litellm's import and llama.cpp's failed loads
def test_a_model_that_errors_on_every_call_stops_after_three_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local model file llama.cpp cannot load: every call is a model error. Sampling stops
    after the first three runs (not 26 x 3 of them), exit 3 with the model's message, no
    profile written, the three runs kept in the checkpoint."""
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF, but not a model\n")
    out = tmp_path / "p.json"
    argv = ["run", "--model", f"local/{bad}", "--no-progress", "-o", str(out)]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "every run failed with a model error (3 runs, stopped)" in err
    assert "Failed to load model" in err and "Traceback" not in err
    assert not out.exists()
    lines = out.with_name(out.name + ".partial.jsonl").read_text().splitlines()
    assert [json.loads(x)["status"] for x in lines] == ["model-error"] * 3


@pytest.mark.slow
def test_real_run_on_the_embedded_model_and_resume_after_ctrl_c(tmp_path: Path) -> None:
    """A few instances on local/smollm2-135m; Ctrl-C keeps the checkpoint, --resume finishes;
    a second run with the same seed gives the same profile."""
    out = tmp_path / "p.json"
    argv = [
        sys.executable,
        "-m",
        "skillir.tools.skill_profile",
        "run",
        "--model",
        "local/smollm2-135m",
        "--protocol",
        "json-constrained",
        "--primitives",
        "tool.file.write",
        "--levels",
        "1",
        "--max-instances",
        "2",
        "--timeout",
        "60",
        "--max-steps",
        "4",
        "--no-progress",
        "-o",
        str(out),
    ]
    proc = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    partial = out.with_name(out.name + ".partial.jsonl")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if partial.exists() and partial.read_text().strip():
            os.kill(proc.pid, signal.SIGINT)
            break
        time.sleep(0.5)
    _, err = proc.communicate(timeout=240)
    if proc.returncode == 130:
        assert "--resume" in err and partial.exists()
        done = subprocess.run(
            [*argv, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=400
        )
        assert done.returncode == 0, done.stderr
    else:
        assert proc.returncode == 0, err
    data = json.loads(out.read_text())
    cell = data["primitives"]["tool.file.write"]["cells"]["L1"]
    assert cell["runs"] == 2 and sorted(cell["seeds"]) == [0, 1]
    assert data["profiler"]["tokens"] > 0 and not partial.exists()
    assert load_profile(out).model == "local/smollm2-135m"
    # the same seed again (greedy decoding): the same profile, as `diff` judges it
    again = tmp_path / "again.json"
    argv[argv.index(str(out))] = str(again)
    subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=400, check=True)
    assert main(["diff", str(out), str(again)]) == 0
