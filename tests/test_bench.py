"""skill-bench: importer, staging and grader isolation, graders and their bad input,
statistics against hand-computed values, results and --resume after a kill, report, executors."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skillir.bench import results
from skillir.bench.conditions import CONDITIONS
from skillir.bench.executors import run_local
from skillir.bench.graders import check_records, grade
from skillir.bench.report import summarize, write_report
from skillir.bench.runner import RunSpec, run_one
from skillir.bench.staging import StageError, new_stage, stage_task
from skillir.bench.stats import bootstrap_ratio, paired_bootstrap, wilson
from skillir.bench.tasks import TaskError, discover, load_task

DATA = Path(__file__).parent / "data" / "bench"
ALL = DATA / "all-methods"
SKVM = Path(__file__).parents[1].parent / "shared" / "tasks" / "skvm"
BENCH = [sys.executable, "-m", "skillir.tools.skill_bench"]


def _task(tmp: Path, name: str, data: dict, files: dict[str, str] | None = None) -> Path:
    folder = tmp / name
    (folder / "fixtures").mkdir(parents=True)
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    base = {"prompt": "do it", "eval": [{"method": "file-check", "path": "x", "weight": 1}]}
    (folder / "task.json").write_text(json.dumps(base | data))
    return folder


def test_import_every_eval_method():
    task = load_task(ALL)
    assert [g.kind for g in task.graders] == [
        "script",
        *["file-check"] * 5,
        "python-grade",
        "junit-grade",
        "llm-judge",
    ]
    assert task.timeout_s == 60 and task.max_steps == 4
    assert task.skills == ((DATA / "_skills" / "echo").resolve(),)
    assert task.fixture_excludes == {"all-methods.test.ts", "_setup.sh"}
    assert abs(sum(g.weight for g in task.graders) - 1) < 1e-9


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"eval": []}, "eval"),
        ({"eval": [{"method": "magic"}]}, "eval[0].method"),
        ({"eval": [{"method": "script"}]}, "eval[0].command"),
        (
            {"eval": [{"method": "script", "command": "x", "expectedExitCode": "0"}]},
            "expectedExitCode",
        ),
        ({"eval": [{"method": "file-check", "path": "/etc/passwd"}]}, "eval[0].path"),
        ({"eval": [{"method": "file-check", "path": "a", "mode": "size"}]}, "eval[0].mode"),
        ({"eval": [{"method": "file-check", "path": "a", "mode": "json-schema"}]}, "schema"),
        (
            {
                "eval": [
                    {
                        "method": "file-check",
                        "path": "a",
                        "mode": "json-schema",
                        "schema": {"type": 3},
                    }
                ]
            },
            "not a valid JSON schema",
        ),
        ({"eval": [{"method": "custom", "evaluatorId": "python-grade"}]}, "grade.py"),
        ({"eval": [{"method": "custom", "evaluatorId": "x"}]}, "eval[0].evaluatorId"),
        ({"eval": [{"method": "llm-judge"}]}, "eval[0].rubric"),
        ({"eval": [{"method": "file-check", "path": "a", "weight": -1}]}, "eval[0].weight"),
        ({"timeoutMs": "soon"}, "timeoutMs"),
        ({"fixtures": ["../grade.py"]}, "fixtures: '../grade.py' is not a path inside"),
    ],
)
def test_malformed_task_names_path_and_field(tmp_path, data, field):
    folder = _task(tmp_path, "bad", data)
    with pytest.raises(TaskError) as err:
        load_task(folder)
    assert re.match(rf"{re.escape(str(folder / 'task.json'))}:\d+:\d+: error: ", str(err.value))
    assert field in str(err.value)


def test_malformed_field_is_positioned(tmp_path):
    text = '{\n  "prompt": "x",\n  "eval": [\n    {"method": "file-check", "path": "a"},\n'
    text += (
        '    {"method": "file-check", "path": "a", "mode": "size"}\n  ],\n  "timeoutMs": "soon"\n}'
    )
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "task.json").write_text(text)
    with pytest.raises(TaskError, match=r"task.json:5:43: error: eval\[1\].mode: unknown mode"):
        load_task(tmp_path / "t")
    (tmp_path / "t" / "task.json").write_text(text.replace('"mode": "size"', '"x": 1'))
    with pytest.raises(TaskError, match=r"task.json:7:3: error: timeoutMs: expected a number"):
        load_task(tmp_path / "t")
    (tmp_path / "t" / "task.json").write_text('{"prompt": "x", "eval": [{"method": "script"}]}')
    with pytest.raises(TaskError, match=r"task.json:1:26: error: eval\[0\].command"):
        load_task(tmp_path / "t")  # a missing field: where its object starts


def test_json_syntax_error_has_line_and_column(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "task.json").write_text('{\n  "prompt": "x",\n  oops\n}')
    with pytest.raises(TaskError, match=r"task.json:3:3: error: "):
        load_task(tmp_path / "t")


def test_cli_bad_task_is_exit_2_without_traceback(tmp_path):
    folder = _task(tmp_path, "bad", {"eval": [{"method": "magic"}]})
    proc = subprocess.run([*BENCH, "list", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "eval[0].method: unknown eval method 'magic'" in proc.stderr
    assert "Traceback" not in proc.stderr


def _graded_stage(tmp_path: Path):
    task = load_task(ALL)
    stage = new_stage(tmp_path)
    stage_task(task, stage)
    return task, stage


def test_staging_copies_fixtures_runs_setup_and_hides_grader_files(tmp_path):
    task, stage = _graded_stage(tmp_path)
    names = sorted(p.name for p in stage.work.iterdir())
    assert names == [".setup_done", "input.txt"]  # no test file, no _setup.sh, no grade.py
    assert stage.trace.parent == stage.work.parent and not stage.grader.is_relative_to(stage.work)


def test_agent_tools_cannot_read_grader_or_task_folder(tmp_path):
    """The agent's commands run in the runtime's sandbox: only the work directory is there."""
    from skillir.runtime.sandbox import Sandbox, SandboxError

    task, stage = _graded_stage(tmp_path)
    (stage.grader / "secret.txt").write_text("expected answer")
    sandbox = Sandbox(stage.work)
    try:
        assert sandbox.run(["cat", "input.txt"], 10).output.strip() == "seed"  # the probe works
        for path in (task.folder / "grade.py", stage.grader / "secret.txt", task.folder):
            result = sandbox.run(["cat", str(path)], 10)
            assert result.exit_code != 0, path
            assert "expected answer" not in result.output and "def grade" not in result.output
        listing = sandbox.run(["ls", str(task.folder / "fixtures")], 10)
        assert listing.exit_code != 0 and "all-methods.test.ts" not in listing.output
        # the file tool refuses paths outside the work directory too
        with pytest.raises(SandboxError, match="outside the work directory"):
            sandbox.read_file(str(task.folder / "grade.py"))
        with pytest.raises(SandboxError, match="outside the work directory"):
            sandbox.read_file("../grader/secret.txt")
    finally:
        sandbox.close()


def test_every_method_grades_a_good_workspace(tmp_path):
    task, stage = _graded_stage(tmp_path)
    (stage.work / "out.txt").write_text("done\n")
    (stage.work / "input.txt").unlink()
    (stage.work / "report.json").write_text('{"items": [{"n": 1}]}')
    result = grade(task, stage, judge=None)
    parts = {p.id: p for p in result.parts}
    assert {
        k: parts[k].score for k in ("script", "exists", "contains", "equals", "equals-one")
    } == {
        "script": 1.0,
        "exists": 1.0,
        "contains": 1.0,
        "equals": 1.0,
        "equals-one": 1.0,
    }
    assert parts["schema"].score == 1.0 and parts["py"].score == 1.0
    assert parts["judge"].status == "not-judged" and parts["judge"].score is None
    if shutil.which("bun"):
        assert parts["junit"].status == "ok" and parts["junit"].score == 1.0
        assert result.automated == 1.0
    else:
        assert parts["junit"].status == "skipped" and "bun" in parts["junit"].reason
    assert result.judged is None and result.basis == "automated only"
    assert result.score == result.automated == 1.0


def test_failures_score_zero_with_reasons(tmp_path):
    task, stage = _graded_stage(tmp_path)
    (stage.work / "out.txt").write_text("nope\n")
    (stage.work / "report.json").write_text('{"items": [{"n": -1}], "extra": 1}')
    parts = {p.id: p for p in grade(task, stage).parts}
    assert parts["script"].score == 0 and "lacks 'done'" in parts["script"].reason
    assert parts["contains"].score == 0 and parts["equals-one"].score == 0
    assert parts["equals"].score == 0  # input.txt matches, out.txt does not
    assert parts["schema"].score == 0 and "Additional properties" in parts["schema"].reason
    (stage.work / "report.json").write_text('{"items": [{"n": -1}]}')
    parts = {p.id: p for p in grade(task, stage).parts}
    assert "at items/0/n" in parts["schema"].reason  # checked fully, not only `required`
    assert parts["py"].score == pytest.approx(0.5)


def test_judge_weights_combine_only_when_judged():
    from skillir.bench.graders import Part, _weighted

    parts = [Part("a", "script", 0.7, "ok", 1.0), Part("j", "llm-judge", 0.3, "ok", 0.5)]
    assert _weighted(parts) == pytest.approx(0.85)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "def grade(t, w):\n    raise RuntimeError('boom')\n",
            "grade.py raised RuntimeError: boom",
        ),
        ("def grade(t, w):\n    return 1.0\n", "returned float, not a list"),
        (
            "def grade(t, w):\n    return [{'id': 'a', 'score': 1, 'weight': 0.5}]\n",
            "weights sum to 0.5, not 1",
        ),
        ("def grade(t, w):\n    return [{'id': 'a', 'score': 2, 'weight': 1}]\n", "above 1"),
        ("def grade(t, w):\n    return [{'id': 'a', 'score': 'x', 'weight': 1}]\n", "score is 'x'"),
        ("import time\ndef grade(t, w):\n    time.sleep(60)\n", "timed out after 2 s"),
        ("import sys\nsys.exit(3)\n", "grade.py raised SystemExit: 3"),
        ("def grade(t, w):\n    return [object()]\n", "result is not JSON"),
    ],
)
def test_bad_python_grader_scores_zero_with_reason(tmp_path, body, reason):
    data = {"eval": [{"method": "custom", "evaluatorId": "python-grade", "weight": 1}]}
    folder = _task(tmp_path, "t", data, {"grade.py": body})
    task = load_task(folder)
    stage = new_stage(tmp_path)
    began = time.monotonic()
    result = grade(task, stage, timeout_s=2)
    assert time.monotonic() - began < 30
    (part,) = result.parts
    assert result.score == 0 and part.score == 0 and part.status == "error"
    assert reason in part.reason


def test_check_records_hand_values():
    score, _ = check_records(
        [{"id": "a", "score": 0.5, "weight": 0.6}, {"id": "b", "score": 1, "weight": 0.4}]
    )
    assert score == pytest.approx(0.7)


def test_setup_failure_hang_and_missing_fixture(tmp_path):
    failing = load_task(_task(tmp_path, "f", {}, {"fixtures/_setup.sh": "echo no >&2; exit 4\n"}))
    with pytest.raises(StageError, match="_setup.sh exited 4: no"):
        stage_task(failing, new_stage(tmp_path))
    hanging = load_task(
        _task(tmp_path, "h", {}, {"fixtures/_setup.sh": "sleep 100 &\nsleep 100\n"})
    )
    began = time.monotonic()
    with pytest.raises(StageError, match="_setup.sh timed out after 1 s"):
        stage_task(hanging, new_stage(tmp_path), setup_timeout_s=1)
    assert time.monotonic() - began < 10
    missing = load_task(_task(tmp_path, "m", {"fixtures": ["data.csv", "there.txt"]}))
    (missing.folder / "fixtures" / "there.txt").write_text("x")
    with pytest.raises(StageError, match="missing fixture fixtures/data.csv$"):
        stage_task(missing, new_stage(tmp_path))


def _spec(folder: Path, condition: str = "no-skill", repeat: int = 0, **kw) -> RunSpec:
    return RunSpec(str(folder), folder.name, condition, repeat, repeat, "local/smollm2-135m", **kw)


def test_stage_and_skill_errors_are_counted_records(tmp_path):
    folder = _task(tmp_path, "f", {"skill": "../nowhere"}, {"fixtures/_setup.sh": "exit 1\n"})
    record = run_one(_spec(folder))
    assert record["status"] == "stage-error" and record["score"] == 0 and not record["passed"]
    assert "_setup.sh exited 1" in record["message"]
    folder = _task(tmp_path, "g", {"skill": "../nowhere"})
    (folder / "fixtures").rmdir()
    record = run_one(_spec(folder, "original"))
    assert record["status"] == "condition-error"
    assert "unknown skill '../nowhere'" in record["message"]
    folder = _task(tmp_path, "h", {}, {"fixtures/_setup.sh": "sleep 100\n"})
    record = run_one(_spec(folder, setup_timeout_s=1))
    assert (
        record["status"] == "stage-error" and "_setup.sh timed out after 1 s" in (record["message"])
    )
    folder = _task(tmp_path, "m", {"fixtures": ["data.csv"]})
    record = run_one(_spec(folder))
    assert record["status"] == "stage-error"
    assert "missing fixture fixtures/data.csv" in record["message"]
    listed = subprocess.run([*BENCH, "list", str(folder)], capture_output=True, text=True)
    assert listed.returncode == 0 and "missing fixture fixtures/data.csv" in listed.stdout


def test_a_run_that_does_not_end_ok_scores_zero(tmp_path):
    data = {"eval": [{"method": "file-check", "path": "input.txt", "mode": "exists"}]}
    folder = _task(tmp_path, "t", data, {"fixtures/input.txt": "seed"})
    spec = RunSpec(str(folder), "t", "no-skill", 0, 0, "local/no-such.gguf")
    record = run_one(spec)  # no such model file: the run ends model-error, graded all the same
    assert record["status"] == "model-error" and record["graded_score"] == 1.0
    assert record["score"] == 0.0 and record["automated"] == 0.0 and not record["passed"]


def test_conditions_are_one_class_each():
    # later issues add theirs (adaptive, jit) after these
    assert list(CONDITIONS)[:4] == ["no-skill", "original", "compiled", "compiled-serial"]
    assert all(cls.name == name for name, cls in CONDITIONS.items())
    assert CONDITIONS["compiled"].parallel and not CONDITIONS["compiled-serial"].parallel


def test_compiled_condition_stages_outside_work_dir(tmp_path):
    profiles = Path(__file__).parents[1].parent / "shared" / "profiles" / "skvm"
    profile = profiles / "bare-agent__qwen--qwen3.5-9b.json"
    if not profile.is_file():
        pytest.skip("../shared/profiles/skvm is absent")
    from skillir.bench.conditions import Target

    task, stage = _graded_stage(tmp_path)
    skill = CONDITIONS["compiled"]().skill_path(task, stage, Target(profile=profile))
    assert (skill / "plan.json").is_file() and (skill / "skillir-manifest.json").is_file()
    assert skill.is_relative_to(stage.skill) and not skill.is_relative_to(stage.work)


def test_wilson_hand_computed():
    # p = 0.8, z = 1.96: centre 0.71674, half-width 0.22658 (worked by hand)
    i = wilson(8, 10)
    assert (i.value, round(i.low, 4), round(i.high, 4)) == (0.8, 0.4902, 0.9433)
    assert (round(wilson(0, 5).low, 6), round(wilson(0, 5).high, 4)) == (0.0, 0.4345)
    assert math.isnan(wilson(0, 0).value)
    for n in range(1, 60):  # the interval always holds the rate (plots draw value - low)
        assert wilson(0, n).low == 0.0 and wilson(n, n).high == 1.0


def test_paired_bootstrap_hand_computed():
    # two tasks, differences 1 and 0: resampled means are 0, 0.5, 1 with chances 1/4, 1/2, 1/4,
    # so the 2.5th and 97.5th percentiles are 0 and 1
    i = paired_bootstrap([0.0, 0.0], [1.0, 0.0])
    assert (i.value, i.low, i.high) == (0.5, 0.0, 1.0)
    same = paired_bootstrap([0.2, 0.4, 0.9], [0.7, 0.9, 1.4])  # every difference is 0.5
    assert (same.low, same.high) == pytest.approx((0.5, 0.5))
    r = bootstrap_ratio([4.0, 6.0], [2.0, 3.0])
    assert (r.value, r.low, r.high) == pytest.approx((2.0, 2.0, 2.0))


def test_results_torn_line_is_ignored_and_cut(tmp_path):
    path = tmp_path / "r.jsonl"
    rec = {"task": "a", "condition": "no-skill", "model": "m", "repeat": 0, "score": 1}
    results.append(path, rec)
    with open(path, "a") as f:
        f.write('{"task": "b", "cond')  # killed mid-write
    assert results.load(path) == [rec]
    results.append(path, rec | {"task": "c"})
    assert [r["task"] for r in results.load(path)] == ["a", "c"]
    path.write_text("{}\n" + json.dumps(rec) + "\n")
    with pytest.raises(results.ResultsError, match=r"r.jsonl:1:1: error: not a skill-bench"):
        results.load(path)


def _slow_suite(tmp_path: Path, n: int) -> Path:
    suite = tmp_path / "suite"
    for i in range(n):
        _task(suite, f"t{i}", {}, {"fixtures/_setup.sh": "sleep 0.5; exit 1\n"})
    return suite


def test_resume_after_kill(tmp_path):
    suite = _slow_suite(tmp_path, 4)
    out = tmp_path / "r.jsonl"
    argv = [*BENCH, "run", str(suite), "--conditions", "no-skill,original", "-o", str(out)]
    argv += ["--repeats", "2", "--jobs", "1", "-q"]
    proc = subprocess.Popen(argv, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(results.load(out)) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = results.load(out)
    assert 3 <= len(before) < 16
    again = subprocess.run(argv, capture_output=True, text=True)
    assert again.returncode == 2 and "add --resume" in again.stderr  # never overwritten
    done = subprocess.run([*argv, "--resume"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # every run ends stage-error: none ok
    after = results.load(out)
    keys = [results.run_key(r) for r in after]
    assert len(keys) == len(set(keys)) == 16
    assert after[: len(before)] == before  # finished runs kept, not redone
    assert {r["status"] for r in after} == {"stage-error"}


@pytest.mark.parametrize(
    ("extra", "temperatures"),
    [
        (["--repeats", "1"], {0.0}),
        (["--repeats", "2"], {0.7}),  # several repeats sample, each with its own seed
        (["--repeats", "2", "--temperature", "0.3"], {0.3}),
    ],
)
def test_repeats_record_seed_and_temperature(tmp_path, extra, temperatures):
    out = tmp_path / "r.jsonl"
    argv = [*BENCH, "run", str(_slow_suite(tmp_path, 1)), "--conditions", "no-skill"]
    subprocess.run([*argv, "-o", str(out), "--jobs", "1", "-q", "--seed", "5", *extra])
    records = results.load(out)
    assert {r["temperature"] for r in records} == temperatures
    assert [(r["repeat"], r["seed"]) for r in records] == [(0, 5), (1, 6)][: len(records)]
    greedy = temperatures == {0.0}
    assert all(r["decoding"].startswith("greedy" if greedy else "sampled") for r in records)


def test_bad_temperature_is_usage_error(tmp_path):
    argv = [*BENCH, "run", str(_slow_suite(tmp_path, 1)), "-o", str(tmp_path / "r.jsonl")]
    proc = subprocess.run([*argv, "--temperature", "-1"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--temperature must lie in [0, 2]" in proc.stderr


def test_run_summary_records_temperature_and_seed(tmp_path):
    from skillir.runtime.execute import RunConfig, run_skill

    config = RunConfig(
        None, "x", tmp_path / "w", tmp_path / "t", "local/no-such.gguf", temperature=0.4, seed=9
    )
    summary = run_skill(config)
    assert summary["status"] == "model-error"  # no model file: nothing ran, still recorded
    assert (summary["temperature"], summary["seed"]) == (0.4, 9)


@pytest.mark.slow
def test_local_model_samples_by_seed():
    import asyncio

    from skillir.runtime.llm import LLM

    messages = [{"role": "user", "content": "Write one short sentence about the sea."}]

    def reply(temperature: float, seed: int) -> str:
        llm = LLM("local/smollm2-135m", temperature=temperature, seed=seed)
        return asyncio.run(llm.complete(messages, max_tokens=24)).content

    assert reply(0.0, 1) == reply(0.0, 2)  # greedy: the seed does not matter
    first = reply(0.9, 1)
    assert first == reply(0.9, 1)  # the same seed reproduces the sample
    assert len({first, reply(0.9, 2), reply(0.9, 3)}) > 1  # other seeds sample others


def test_ray_executor_matches_local(tmp_path):
    ray = pytest.importorskip("ray")
    suite = _slow_suite(tmp_path, 2)
    (suite / "t1" / "fixtures" / "_setup.sh").write_text("exit 0\n")
    (suite / "t1" / "task.json").write_text(
        json.dumps(
            {"prompt": "x", "skill": "../missing", "eval": [{"method": "file-check", "path": "x"}]}
        )
    )
    specs = [_spec(suite / t, c, r) for t in ("t0", "t1") for c in ("original",) for r in (0, 1)]
    timing = ("bench_wall_s",)
    local = sorted(
        json.dumps({k: v for k, v in r.items() if k not in timing}, sort_keys=True)
        for r in run_local(specs, 2)
    )
    from skillir.bench.executors import run_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        remote = sorted(
            json.dumps({k: v for k, v in r.items() if k not in timing}, sort_keys=True)
            for r in run_ray(specs, 2)
        )
    finally:
        ray.shutdown()
    assert remote == local and len(local) == 4


def _record(task: str, cond: str, score: float, wall: float, rep: int = 0) -> dict:
    return {
        "task": task,
        "condition": cond,
        "model": "m",
        "repeat": rep,
        "status": "ok" if score else "timeout",
        "message": "",
        "score": score,
        "passed": score == 1,
        "wall_s": wall,
        "prompt_tokens": 100,
        "completion_tokens": 10,
        "llm_calls": 2,
        "decoding": "greedy",
    }


def test_report_tables_and_self_contained_html(tmp_path):
    records = [
        _record("a", "original", 1.0, 10),
        _record("a", "compiled", 1.0, 5),
        _record("a", "compiled-serial", 1.0, 10),
        _record("b", "original", 0.0, 8),
        _record("b", "compiled", 1.0, 4),
        _record("b", "compiled-serial", 1.0, 8),
        {**_record("c", "original", 0.0, 0), "status": "not-runnable", "message": "needs bun"},
        *[_record(t, "no-skill", 0.0, 3) for t in ("a", "b", "d", "e", "f", "g")],
    ]
    s = summarize(records)
    rows = {r["condition"]: r for r in s["rows"]}
    assert rows["original"]["runs"] == 2 and rows["original"]["statuses"] == {"ok": 1, "timeout": 1}
    assert s["speedup"]["ratio"].value == pytest.approx(2.0)
    written = write_report(records, tmp_path / "rep")
    assert sorted(p.name for p in written) == sorted(
        ["report.md", "report.html", "score.png", "tokens.png", "wall.png"]
    )
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| original | 2 | 0.500 | – | – | 0.50 [0.09, 0.91] |" in md
    assert "| original | compiled | 2 | 0.500 [0.000, 1.000] |" in md
    assert "- c: needs bun" in md and "timeout" in md
    page = (tmp_path / "rep" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and 'src="http' not in page


def test_report_cli_bad_file(tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"task": 1}\n\n[\n')
    proc = subprocess.run(
        [*BENCH, "report", str(bad), "-o", str(tmp_path / "o")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "r.jsonl:1:1: error:" in proc.stderr


def test_list_shared_skvm_suite():
    if not SKVM.is_dir():
        pytest.skip("../shared/tasks/skvm is absent")
    tasks = {t.id: t for t in discover([SKVM])}
    assert len(tasks) == 10
    assert tasks["git_task_01"].setup is not None and tasks["git_task_01"].skill_problem
    assert tasks["calendar_task_01"].methods == ["llm-judge", "python-grade"]
    assert all(t.fixture_excludes >= {"_setup.sh"} for t in tasks.values())


def test_bench_suite_loads_with_deterministic_graders():
    tasks = discover([Path(__file__).parents[1] / "bench" / "tasks"])
    assert len(tasks) >= 20
    assert all(t.skills and not t.skill_problem and not t.not_runnable for t in tasks)
    assert all(g.kind in ("script", "file-check") for t in tasks for g in t.graders)


@pytest.mark.slow
def test_real_model_bench_two_tasks(tmp_path):
    suite = Path(__file__).parents[1] / "bench" / "tasks"
    out = tmp_path / "r.jsonl"
    argv = [*BENCH, "run", str(suite / "count-lines"), str(suite / "make-dir")]
    argv += ["--conditions", "original", "-o", str(out), "--jobs", "1", "-q", "--max-steps", "4"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    records = results.load(out)
    assert len(records) == 2, proc.stderr
    for r in records:
        assert r["status"] in ("ok", "max-steps", "timeout", "tool-error", "model-error")
        assert r["llm_calls"] >= 1 and r["prompt_tokens"] > 0 and r["wall_s"] > 0
        assert r["parts"] and 0 <= r["score"] <= 1
    report = subprocess.run([*BENCH, "report", str(out), "-o", str(tmp_path / "rep")])
    assert report.returncode == 0 and (tmp_path / "rep" / "report.html").is_file()


SB = DATA / "skillsbench"


def test_skillsbench_layouts_import_and_stage(tmp_path):
    tasks = {t.id: t for t in discover([SB])}
    harbor, v11 = tasks["harbor-sum"], tasks["v11-upper"]
    assert (harbor.format, v11.format) == ("harbor", "skillsbench-1.1")
    assert harbor.prompt.startswith(
        "Add up the numbers in numbers.txt and write the sum to sum.txt"
    )
    assert (
        v11.prompt.strip() == "Convert words.txt to upper case and write the result to upper.txt."
    )
    assert [s.name for s in harbor.skills] == ["adder"] and harbor.timeout_s == 120
    assert harbor.requirements == ("pytest",) and v11.timeout_s == 90
    assert tasks["harbor-gpu"].not_runnable == "needs a GPU"
    stage = new_stage(tmp_path)
    stage_task(harbor, stage)
    assert sorted(p.name for p in stage.work.iterdir()) == ["numbers.txt"]  # no tests, oracle


@pytest.mark.parametrize(
    ("name", "layout"), [("harbor-sum", "sum.txt"), ("v11-upper", "upper.txt")]
)
def test_skillsbench_pytest_verifier_in_work_dir(tmp_path, name, layout):
    task = load_task(SB / name)
    stage = new_stage(tmp_path)
    stage_task(task, stage)
    (part,) = grade(task, stage).parts
    assert part.score == 0 and "failed" in part.reason
    good = {"sum.txt": "42\n", "upper.txt": "ALPHA BETA\n"}[layout]
    (stage.work / layout).write_text(good)
    (part,) = grade(task, stage).parts
    assert (part.status, part.score) == ("ok", 1.0), part.reason
    assert sorted(p.name for p in stage.work.iterdir()) == sorted(
        [layout, *(["numbers.txt"] if name == "harbor-sum" else ["words.txt"])]
    )  # the verifier left nothing in the work directory


@pytest.mark.parametrize(
    ("toml", "docker", "reason"),
    [
        ("[environment]\nallow_internet = true\n", "", "needs the network"),
        (
            "",
            "RUN apt-get install -y libreoffice-nonexistent-pkg gnumeric-x\n",
            "Docker-only tooling",
        ),
        ("[verifier.env]\nOPENAI_API_KEY = '${OPENAI_API_KEY}'\n", "", "needs API keys"),
    ],
)
def test_skillsbench_not_runnable_reasons(tmp_path, monkeypatch, toml, docker, reason):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    folder = tmp_path / "t"
    shutil.copytree(SB / "harbor-sum", folder)
    (folder / "task.toml").write_text(toml)
    (folder / "environment" / "Dockerfile").write_text(docker)
    assert reason in (load_task(folder).not_runnable or "")


def test_skillsbench_malformed(tmp_path):
    folder = tmp_path / "t"
    shutil.copytree(SB / "v11-upper", folder)
    (folder / "task.md").write_text("---\nid: [x\n---\nbody\n")
    with pytest.raises(TaskError, match=r"task.md:\d+:\d+: error: frontmatter"):
        load_task(folder)
    (folder / "task.md").write_text("---\nid: x\n---\nbody\n")
    (folder / "verifier" / "test_outputs.py").unlink()
    with pytest.raises(TaskError, match=r"task.md: error: verifier: no verifier/test_outputs.py"):
        load_task(folder)
    harbor = tmp_path / "h"
    shutil.copytree(SB / "harbor-sum", harbor)
    (harbor / "task.toml").write_text("[agent\n")
    with pytest.raises(TaskError, match=r"task.toml: error: "):
        load_task(harbor)


@pytest.mark.slow
def test_judge_model_tokens_are_counted_apart(tmp_path):
    task, stage = _graded_stage(tmp_path)
    (stage.work / "out.txt").write_text("done\n")
    result = grade(task, stage, judge="local/smollm2-135m")
    judge = next(p for p in result.parts if p.kind == "llm-judge")
    assert judge.status in ("ok", "error") and judge.status != "not-judged"
    assert result.judge_prompt_tokens > 0 and result.judge_completion_tokens > 0
    if judge.status == "ok":
        assert result.judged == judge.score and result.basis in ("all", "automated only")
    else:
        assert "judge reply has no score" in judge.reason and result.judged is None
