"""`skill-run --jit`: a promoted candidate runs before the model, is recorded in the trace like
a model's tool calls, falls back to the model on failure and is demoted after failing
`DEMOTE_AFTER` times in a row; a changed skill never reuses candidates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from skillir.runtime.agent import Limits
from skillir.runtime.execute import RunConfig, run_skill
from skillir.runtime.jit import store
from skillir.runtime.jit.digest import skill_digest
from skillir.runtime.jit.run import solidified
from skillir.runtime.jit.validate import mine_into
from skillir.runtime.sandbox import Sandbox
from skillir.runtime.trace import Trace
from tests.test_jit_mine import MODEL, grep_runs

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

HELD_OUT = 'In proxy.log, count the lines with "refused" and save the number as r.txt.'
LOG = "refused a\nok\nrefused b\nrefused c\n"


@pytest.fixture
def mined(tmp_path: Path) -> tuple[Path, Path, str]:
    """(skill, store, candidate id) from four recorded grep-count runs."""
    skill, traces = grep_runs(tmp_path / "train")
    root = tmp_path / "store"
    [candidate], _ = mine_into(traces, root)
    assert candidate["status"] == "promoted"
    return skill, root, candidate["id"]


def events(trace_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (trace_dir / "trace.jsonl").read_text().splitlines()]


def test_a_matching_candidate_does_the_task_without_the_model(
    mined: tuple[Path, Path, str], tmp_path: Path
) -> None:
    skill, root, ident = mined
    work = tmp_path / "work"
    work.mkdir()
    (work / "proxy.log").write_text(LOG)
    summary = run_skill(
        RunConfig(
            skill, HELD_OUT, work, tmp_path / "trace", MODEL, limits=Limits(max_steps=1), jit=root
        )
    )
    assert summary["status"] == "ok" and summary["jit"] == ident
    assert summary["llm_calls"] == 0 and summary["tool_calls"] == 1
    assert (work / "r.txt").read_text() == "3\n"
    assert summary["files_written"] == ["r.txt"]
    found = events(tmp_path / "trace")
    [jit] = [e for e in found if e["event"] == "jit"]
    assert jit["candidate"] == ident and jit["ok"] is True and jit["duration_s"] > 0
    assert jit["parameters"] == {"p1": "refused", "p2": "proxy.log", "p3": "r.txt"}
    [tool] = [e for e in found if e["event"] == "tool"]
    assert tool["agent"] == "jit" and tool["exit_code"] == 0
    assert store.find(root, ident)[1]["stats"]["fired"] == 1


def test_a_failing_candidate_falls_back_and_is_demoted_after_three(
    mined: tuple[Path, Path, str], tmp_path: Path
) -> None:
    skill, root, ident = mined
    path, _ = store.find(root, ident)
    data = json.loads(path.read_text())
    data["candidates"][0]["postcondition"]["files"][0]["kind"] = "json"  # never holds
    path.write_text(json.dumps(data))
    summary = {"skill": "grep-count", "skill_digest": skill_digest(skill), "model": MODEL}
    summary["harness"] = "bare"
    for n in range(store.DEMOTE_AFTER + 1):
        work = tmp_path / f"w{n}"
        work.mkdir()
        (work / "proxy.log").write_text(LOG)
        (work / "keep.txt").write_text("x")
        trace = Trace(tmp_path / f"t{n}" / "trace.jsonl")
        sandbox = Sandbox(work)
        try:
            assert solidified(root, summary, HELD_OUT, sandbox, trace) is None
        finally:
            sandbox.close()
            trace.close()
        found = [e for e in events(tmp_path / f"t{n}") if e["event"] == "jit"]
        if n < store.DEMOTE_AFTER:
            assert found[0]["ok"] is False
            assert (
                found[0]["reason"] == "postcondition: r.txt holds integer content, the traces json"
            )
            assert sorted(p.name for p in work.iterdir()) == ["keep.txt", "proxy.log"]  # undone
        else:
            assert found == []  # demoted: not tried any more
    candidate = store.find(root, ident)[1]
    assert candidate["status"] == "demoted"
    assert candidate["stats"]["consecutive_failures"] == store.DEMOTE_AFTER


def test_a_changed_skill_does_not_reuse_candidates(
    mined: tuple[Path, Path, str], tmp_path: Path
) -> None:
    skill, root, _ = mined
    (skill / "SKILL.md").write_text((skill / "SKILL.md").read_text() + "\nNew note.\n")
    summary = {"skill": "grep-count", "skill_digest": skill_digest(skill), "model": MODEL}
    summary["harness"] = "bare"
    work = tmp_path / "work"
    work.mkdir()
    (work / "proxy.log").write_text(LOG)
    sandbox = Sandbox(work)
    trace = Trace(tmp_path / "t" / "trace.jsonl")
    try:
        assert solidified(root, summary, HELD_OUT, sandbox, trace) is None
    finally:
        sandbox.close()
        trace.close()
    assert store.load(root, summary) is None
    assert not (work / "r.txt").exists()


@pytest.mark.slow
def test_a_task_no_candidate_matches_goes_to_the_real_model(
    mined: tuple[Path, Path, str], tmp_path: Path
) -> None:
    skill, root, ident = mined
    work = tmp_path / "work"
    work.mkdir()
    (work / "proxy.log").write_text(LOG)
    request = "Count the refused lines of proxy.log into r.txt."  # the word is not quoted
    config = RunConfig(
        skill, request, work, tmp_path / "trace", MODEL,
        limits=Limits(max_steps=1, reply_tokens=48), jit=root,
    )  # fmt: skip
    summary = run_skill(config)
    assert "jit" not in summary and summary["llm_calls"] == 1
    [skip] = [e for e in events(tmp_path / "trace") if e["event"] == "jit_skip"]
    assert skip["candidate"] == ident
    assert skip["reason"] == "does not match: 0 quoted matches in the prompt, not one"
    assert store.find(root, ident)[1]["stats"]["fired"] == 0
