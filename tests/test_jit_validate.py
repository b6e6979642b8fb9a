"""Leave-one-out validation: a candidate is promoted only when every run is reproduced by the
program mined from the others; rejections say why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skillir.runtime.jit.align import align, read_run
from skillir.runtime.jit.mine import build
from skillir.runtime.jit.validate import leave_one_out, mine_dirs, replay
from tests.test_jit_mine import GREP, grep_runs, make_skill, record

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

LINES = "".join(f"line {n}\n" for n in range(1, 12))


def test_every_fold_of_a_consistent_family_passes(tmp_path: Path) -> None:
    _, traces = grep_runs(tmp_path)
    folds = leave_one_out(align([read_run(t) for t in traces])[0])
    assert [f["ok"] for f in folds] == [True] * 4, folds


def test_a_constant_that_only_looked_constant_is_rejected_with_the_reason(tmp_path: Path) -> None:
    # two runs asked for 3 lines, the third for 5: mined without it, 3 is a constant
    skill = make_skill(tmp_path / "s", "head-lines", "head -n N INPUT > OUTPUT")
    rows = [("a.txt", "x.txt", 3), ("b.txt", "y.txt", 3), ("c.txt", "z.txt", 5)]
    traces = [
        record(
            skill,
            tmp_path / f"r{n}",
            f"Copy the first {k} lines of {inp} into {out}.",
            {inp: LINES},
            [f"head -n {k} {inp} > {out}"],
        )
        for n, (inp, out, k) in enumerate(rows)
    ]
    [candidate], _ = mine_dirs(traces)
    assert candidate["status"] == "rejected"
    by_run = {Path(f["run"]).parent.name: f for f in candidate["evidence"]["validation"]}
    assert by_run["r2"]["ok"] is False
    assert by_run["r2"]["reason"] == "z.txt differs from the run's"
    assert by_run["r0"]["ok"] and by_run["r1"]["ok"]
    assert candidate["evidence"]["rejected"] == ["z.txt differs from the run's"]


def test_an_extractor_that_does_not_bind_on_the_held_out_run_rejects(tmp_path: Path) -> None:
    # the word is quoted in two prompts only: mined from them, the quoted extractor (preferred
    # to 'the token after "word"', which all three share) finds nothing in the third
    skill = make_skill(tmp_path / "s", "grep-count", "grep -c WORD INPUT > OUTPUT")
    rows = [
        ('Count the word "ERROR" in a.log into o.txt.', "a.log", "ERROR\n", "o.txt", "ERROR"),
        ('Count the word "WARN" in b.log into p.txt.', "b.log", "WARN\n", "p.txt", "WARN"),
        ("Count the word panic in c.log into q.txt.", "c.log", "panic\n", "q.txt", "panic"),
    ]
    traces = [
        record(skill, tmp_path / f"r{n}", p, {i: t}, [f"grep -c {w} {i} > {o}"])
        for n, (p, i, t, o, w) in enumerate(rows)
    ]
    [candidate], _ = mine_dirs(traces)
    assert candidate["status"] == "rejected"
    assert candidate["parameters"][0]["extractor"] == {"from": "prompt", "after": "the word"}
    [reason] = candidate["evidence"]["rejected"]
    assert reason == "does not match: 0 quoted matches in the prompt, not one"


def test_replay_starts_from_what_the_run_started_with(tmp_path: Path) -> None:
    _, traces = grep_runs(tmp_path)
    runs = [read_run(t) for t in traces]
    [cluster] = align(runs)
    program = build(cluster[:3])
    assert replay(program, cluster[3]) is None
    assert runs[0].files_before == ("server.log",)  # the output file is not an input


def test_a_constant_redirect_outside_the_work_directory_is_the_runs_own(tmp_path: Path) -> None:
    skill = make_skill(tmp_path / "s", "grep-quiet", "grep -c WORD INPUT 2>/dev/null > OUTPUT")
    traces = [
        record(skill, tmp_path / f"r{n}", p, {i: t}, [f"grep -c {w} {i} 2>/dev/null > {o}"])
        for n, (p, i, t, o, w) in enumerate(GREP)
    ]
    [candidate], _ = mine_dirs(traces)
    assert candidate["status"] == "promoted", candidate["evidence"]["rejected"]
    redirects = candidate["steps"][0]["items"][0]["pipeline"][0]["redirects"]
    assert redirects[0] == {"fd": 2, "op": ">", "target": ["/dev/null"]}
