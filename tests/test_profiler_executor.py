"""skill-profile on the executor shared with skill-bench: waves on a process pool give the
profile one-at-a-time sampling gives, whatever --jobs; the checkpoint grows per finished
instance; the pool's halt and Ctrl-C; the executor flags' usage errors."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from skillir.executors import Pool, map_unordered
from skillir.profiler.base import ANSWER
from skillir.profiler.generators import make_instance
from skillir.profiler.profile import Checkpoint, Plan, build, sample
from skillir.profiler.runner import Outcome, Target, Work, stage
from skillir.runtime.agent import Limits
from skillir.tools import skill_bench, skill_profile

ROOT = Path(__file__).resolve().parents[1]
PRIMS = ("tool.file.read", "reason.logic", "gen.regex")


def solve(key: tuple[str, int, int]) -> Outcome:
    """A deterministic stand-in for the model (top level: it runs in worker processes): stage
    the instance, write its reference solution (the wrong one for reason.logic L2 and for every
    fourth gen.regex seed, so that cell's rate straddles the threshold), run its checker on
    the files and the final answer."""
    primitive, level, seed = key
    inst = make_instance(primitive, level, seed)
    wrong = (primitive, level) == ("reason.logic", 2) or (
        primitive == "gen.regex" and seed % 4 == 3
    )
    time.sleep((seed * 7 % 5) * 0.01)  # finish out of order under a pool
    solution = inst.task.wrong[0] if wrong else inst.task.reference
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stage(inst, work)
        for name, text in solution.items():
            if name != ANSWER:
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                (work / name).write_text(text, encoding="utf-8")
        passed = inst.task.check(inst.task.expect, work, solution.get(ANSWER, ""))
    return Outcome(primitive, level, seed, passed, "ok", 10 + seed, 0.1, 0.0)


def _profile(tmp: Path, jobs: int, quick: bool, executor: str = "local") -> tuple[dict, list[str]]:
    plan = Plan(PRIMS, levels=(1, 2), cap=6, start=3, quick=quick)
    cp = Checkpoint.open(tmp / f"cp-{executor}-{jobs}.jsonl", resume=False)
    lines: list[int] = []

    def progress(p: str, lvl: int, k: int, n: int) -> None:  # after each finished instance
        lines.append(len(cp.path.read_text().splitlines()))

    with Pool(executor, jobs) as pool:
        sample(plan, lambda keys, halt: pool.map_unordered(solve, keys, halt), cp, progress)
    assert lines == list(range(1, len(cp.outcomes) + 1))  # checkpointed one by one
    data = build(cp.outcomes, plan, "m/x", "bare", "json", 1.0)
    return data["primitives"], [f"{o.primitive}:{o.level}:{o.seed}" for o in cp.outcomes]


@pytest.mark.parametrize("quick", [False, True])
def test_the_profile_does_not_depend_on_jobs(tmp_path: Path, quick: bool) -> None:
    one, order1 = _profile(tmp_path, 1, quick)
    two, order2 = _profile(tmp_path, 2, quick)
    assert one == two  # levels, passes, runs, seeds, tokens, verdicts
    assert sorted(order1) == sorted(order2)
    regex = one["gen.regex"]["cells"]["L1"]
    logic = one["reason.logic"]
    if quick:  # a level opens once the level below passed; a failure ends the primitive
        assert list(logic["cells"]) == ["L1", "L2"] and logic["cells"]["L2"]["runs"] == 1
        assert regex["seeds"] == [0, 1, 2, 3] and list(one["gen.regex"]["cells"]) == ["L1"]
    else:  # the mixed cell sampled one seed at a time after its first 3, up to the cap
        assert logic["cells"]["L2"]["runs"] == 3 and logic["level"] == 1
        assert regex["seeds"] == [0, 1, 2, 3, 4, 5] and regex["verdict"] == "uncertain"
    assert one["tool.file.read"]["level"] == 2


def test_the_profile_on_ray_is_the_one_inline(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    assert _profile(tmp_path, 2, True, "ray")[0] == _profile(tmp_path, 1, True)[0]


def test_quick_with_a_cap_no_count_can_pass_still_runs_one_instance(tmp_path: Path) -> None:
    """--quick --max-instances 2: 2/2 cannot clear 0.6, so a pass is out of reach from the
    start; each cell still runs once (uncertain, its interval wide) rather than not at all."""
    plan = Plan(PRIMS, levels=(1,), cap=2, start=2, quick=True)
    cp = Checkpoint.open(tmp_path / "cp.jsonl", resume=False)
    sample(plan, lambda keys, halt: map(solve, keys), cp)
    cells = build(cp.outcomes, plan, "m/x", "bare", "json", 1.0)["primitives"]
    assert {p: e["cells"]["L1"]["runs"] for p, e in cells.items()} == {
        "tool.file.read": 1,
        "reason.logic": 1,
        "gen.regex": 1,
    }
    assert {e["cells"]["L1"]["verdict"] for e in cells.values()} == {"uncertain"}


def test_sampling_in_waves_matches_one_at_a_time(tmp_path: Path) -> None:
    """The waves give each cell the seeds the sequential rule gives: sample to a verdict,
    one instance at a time, seeds in order."""
    from skillir.profiler.sampler import THRESHOLD, pass_reachable, verdict

    plan = Plan(PRIMS, levels=(1,), cap=6, start=3, quick=True)
    cp = Checkpoint.open(tmp_path / "cp.jsonl", resume=False)
    with Pool("local", 1) as pool:
        sample(plan, lambda keys, halt: pool.map_unordered(solve, keys, halt), cp)
    for primitive in PRIMS:
        got = sorted((o for o in cp.outcomes if o.primitive == primitive), key=lambda o: o.seed)
        k = n = 0
        for seed in range(plan.cap):
            if verdict(k, n, THRESHOLD, plan.start, plan.cap) != "more":
                break
            if n and not pass_reachable(k, n, plan.cap):
                break
            k, n = k + solve((primitive, 1, seed)).passed, n + 1
        assert [o.seed for o in got] == list(range(n)) and sum(o.passed for o in got) == k


def test_resume_reuses_the_checkpoint(tmp_path: Path) -> None:
    """A run cut after its first instances and resumed on two workers ends with the profile an
    uninterrupted run gives."""
    plan = Plan(PRIMS, levels=(1,), cap=6, start=3)
    cp = Checkpoint.open(tmp_path / "cp.jsonl", resume=False)
    with Pool("local", 1) as pool:
        sample(
            plan,
            lambda keys, halt: pool.map_unordered(solve, keys, halt),
            cp,
            stopped=lambda: len(cp.outcomes) >= 4,
        )
    assert len(cp.path.read_text().splitlines()) == 4
    again = Checkpoint.open(cp.path, resume=True)
    with Pool("local", 2) as pool:
        sample(plan, lambda keys, halt: pool.map_unordered(solve, keys, halt), again)
    whole, _ = _profile(tmp_path, 1, quick=False)
    resumed = build(again.outcomes, plan, "m/x", "bare", "json", 1.0)["primitives"]
    assert {p: e["cells"]["L1"] for p, e in resumed.items()} == {
        p: e["cells"]["L1"] for p, e in whole.items()
    }


def test_pool_halt_stops_new_items_and_lets_running_ones_finish() -> None:
    got: list[int] = []
    with Pool("local", 2) as pool:
        for value in pool.map_unordered(abs, range(-20, 0), halt=lambda: len(got) >= 1):
            got.append(value)
    assert 1 <= len(got) <= 3  # the first result, then at most the two in flight
    assert sorted(map_unordered(abs, [-3, -1, -2], "local", 2)) == [1, 2, 3]


def test_ctrl_c_leaving_the_pool_terminates_its_workers() -> None:
    """Workers ignore SIGINT (the caller decides); a KeyboardInterrupt leaving the pool
    terminates them instead of waiting for their 60 s items."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    began = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt), Pool("local", 2) as pool:
            signal.alarm(3)
            list(pool.map_unordered(time.sleep, [60, 60, 60]))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - began < 30


def test_work_is_picklable() -> None:
    work = Work(
        Target("local/smollm2-135m", "bare", "json"), Limits(max_steps=3), "gen.regex", 2, 5
    )
    assert pickle.loads(pickle.dumps(work)) == work


def test_ray_without_ray_is_a_usage_error(tmp_path: Path) -> None:
    """Each tool run where `import ray` fails (as where it is not installed): exit 2 with the
    fix, before anything runs."""
    out = tmp_path / "p.json"
    for tool, argv in (
        ("skill_profile", ["run", "--executor", "ray", "-o", str(out)]),
        ("skill_bench", ["run", str(tmp_path), "--executor", "ray", "-o", str(out)]),
    ):
        code = f"import sys; sys.modules['ray'] = None; from skillir.tools.{tool} import main; "
        code += f"sys.exit(main({argv!r}))"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert done.returncode == 2, done.stderr
        assert "error: --executor ray needs ray: pip install 'skillir[ray]'" in done.stderr
        assert "Traceback" not in done.stderr
    assert not out.exists()


def test_executor_flag_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.json"
    for argv, message in (
        (["--jobs", "0"], "--jobs must be positive"),
        (["--ray-address", "auto"], "--ray-address needs --executor ray"),
    ):
        with pytest.raises(SystemExit) as exit_:
            skill_profile.main(["run", *argv, "-o", str(out)])
        assert exit_.value.code == 2 and message in capsys.readouterr().err
    for main in (skill_profile, skill_bench):  # one helper: the same flags, the same words
        helps = subprocess.run(
            [sys.executable, "-m", main.__name__, "run", "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "COLUMNS": "200"},
        ).stdout
        assert "--executor {local,ray}" in helps and "--ray-address RAY_ADDRESS" in helps


@pytest.mark.slow
def test_embedded_model_profile_is_the_same_on_two_workers(tmp_path: Path) -> None:
    """Two quick cells on local/smollm2-135m with --jobs 1 and --jobs 2: the same profile as
    `skill-profile diff` judges it (greedy decoding, one model per worker process)."""
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"p{jobs}.json"
        argv = ["run", "--model", "local/smollm2-135m", "--protocol", "json-constrained"]
        argv += ["--primitives", "tool.file.write,gen.text.structured", "--levels", "1"]
        argv += ["--quick", "--max-instances", "2", "--timeout", "60", "--max-steps", "3"]
        argv += ["--jobs", str(jobs), "--no-progress", "-o", str(out)]
        done = subprocess.run(
            [sys.executable, "-m", "skillir.tools.skill_profile", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outs.append(out)
    assert skill_profile.main(["diff", *map(str, outs)]) == 0
    for out in outs:
        data = json.loads(out.read_text())
        assert set(data["primitives"]) == {"tool.file.write", "gen.text.structured"}
        assert all(e["cells"]["L1"]["runs"] >= 1 for e in data["primitives"].values())
        assert data["profiler"]["tokens"] > 0


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_keeps_the_running_instances(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the workers too: they ignore it, so the instances running
    on both workers finish and are checkpointed (exit 130); --resume completes the profile."""
    out = tmp_path / "p.json"
    partial = out.with_name(out.name + ".partial.jsonl")
    argv = [sys.executable, "-m", "skillir.tools.skill_profile", "run", "--model"]
    argv += ["local/smollm2-135m", "--protocol", "json-constrained", "--levels", "1", "--quick"]
    argv += ["--primitives", "tool.file.write,gen.text.structured,tool.file.read"]
    argv += ["--timeout", "60", "--max-steps", "3", "--jobs", "2", "--no-progress", "-o", str(out)]
    proc = subprocess.Popen(
        argv, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 200
    while proc.poll() is None and time.monotonic() < deadline:
        if partial.exists() and partial.read_text().strip():
            os.killpg(proc.pid, signal.SIGINT)
            break
        time.sleep(0.2)
    _, err = proc.communicate(timeout=200)
    if proc.returncode == 130:
        kept = [json.loads(line) for line in partial.read_text().splitlines()]
        assert len(kept) >= 2  # the first, and what was running on the other worker
        assert "error" not in {o["status"] for o in kept}  # no run cut by the signal
        assert b"Traceback" not in err and b"rerun with --resume" in err
        done = subprocess.run([*argv, "--resume"], cwd=ROOT, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
    else:  # every instance finished before the first checkpoint line was seen
        assert proc.returncode == 0, err
    cells = json.loads(out.read_text())["primitives"]
    assert set(cells) == {"tool.file.write", "gen.text.structured", "tool.file.read"}
    assert all(e["cells"]["L1"]["runs"] >= 1 for e in cells.values()) and not partial.exists()


def _cores_seen(_: int) -> tuple[str | None, int]:
    from skillir.runtime.local import _cores

    return os.environ.get("SKILLIR_LOCAL_CORES"), _cores()


def test_each_worker_gives_the_embedded_model_its_share_of_the_cores() -> None:
    """N workers each running the embedded model must not each take every core: a worker's
    model uses cpu_count // jobs cores (`SKILLIR_LOCAL_CORES`)."""
    share = max(1, (os.cpu_count() or 2) // 2)
    seen = set(map_unordered(_cores_seen, range(4), "local", 2))
    assert seen == {(str(share), share)}
