"""Validation before promotion, and the whole mining pass over trace directories.

A candidate mined from an aligned cluster of runs is promoted only if, for every run of the
cluster, the program mined from the *other* runs reproduces that run (leave-one-out): replayed
in a fresh copy of what the run started with (its kept work directory without the files it
wrote), its parameters bind from the run's request, it passes its postcondition, and it writes
the same files with the same bytes as the run did (so a grader that passed the run passes the
replay). A cluster needs `MIN_RUNS` runs (at least two to mine from in each fold). Each failed
fold is recorded with its reason in `evidence.rejected`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from skillir.runtime.jit import store
from skillir.runtime.jit.align import Run, TraceError, align, read_run, usable
from skillir.runtime.jit.mine import Unsolidifiable, build
from skillir.runtime.jit.run import execute
from skillir.runtime.sandbox import Sandbox, SandboxError

MIN_RUNS = 3


def replay(program: dict[str, Any], run: Run, timeout_s: float = 60.0) -> str | None:
    """Why `program` does not reproduce `run` (None when it does)."""
    with tempfile.TemporaryDirectory(prefix="skill-jit-replay-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        for name in run.files_before:
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run.workdir / name, target, follow_symlinks=False)
        try:
            sandbox = Sandbox(work, timeout_s=timeout_s)
        except SandboxError as err:
            return f"no sandbox to replay in: {err}"
        try:
            outcome = execute(program, run.request, sandbox)
        finally:
            sandbox.close()
        if outcome.reason is not None:
            return outcome.reason
        if sorted(outcome.written) != sorted(run.written):
            return f"wrote {sorted(outcome.written)}, the run {sorted(run.written)}"
        for name in run.written:
            if (work / name).read_bytes() != (run.workdir / name).read_bytes():
                return f"{name} differs from the run's"
    return None


def leave_one_out(runs: list[Run]) -> list[dict[str, Any]]:
    """One record per run: `{"run", "ok", "reason"}`."""
    folds = []
    for n, held in enumerate(runs):
        others = runs[:n] + runs[n + 1 :]
        try:
            reason = replay(build(others), held)
        except Unsolidifiable as err:
            reason = f"mining without it: {err}"
        folds.append({"run": str(held.dir), "ok": reason is None, "reason": reason})
    return folds


def mine_dirs(dirs: list[Path], min_runs: int = MIN_RUNS) -> tuple[list[dict], list[dict]]:
    """Candidates (promoted or rejected, with evidence) from the runs under `dirs` (trace
    directories, or folders holding them), and the runs and clusters skipped with reasons."""
    runs: list[Run] = []
    skipped: list[dict[str, Any]] = []
    for folder in dirs:
        found = (
            [folder]
            if (folder / "summary.json").is_file()
            else sorted(p.parent for p in folder.rglob("summary.json"))
        )
        for trace in found:
            try:
                run = read_run(trace)
            except TraceError as err:
                skipped.append({"run": str(trace), "reason": str(err)})
                continue
            why = usable(run)
            if why is None:
                runs.append(run)
            else:
                skipped.append({"run": str(trace), "reason": why})
    by_key: dict[tuple[str, str, str], list[Run]] = {}
    for run in runs:
        by_key.setdefault(run.key, []).append(run)
    candidates = []
    for key_runs in by_key.values():
        for cluster in align(key_runs):
            if len(cluster) < min_runs:
                reason = f"{len(cluster)} aligned run(s), {min_runs} needed"
                skipped += [{"run": str(r.dir), "reason": reason} for r in cluster]
                continue
            try:
                candidate = build(cluster)
            except Unsolidifiable as err:
                skipped += [
                    {"run": str(r.dir), "reason": f"unsolidifiable: {err}"} for r in cluster
                ]
                continue
            folds = leave_one_out(cluster)
            failed = [f for f in folds if not f["ok"]]
            candidate["status"] = "rejected" if failed else "promoted"
            candidate["evidence"] |= {
                "validation": folds,
                "rejected": [f["reason"] for f in failed],
            }
            candidates.append(candidate)
    return candidates, skipped


def mine_into(
    dirs: list[Path], root: Path, min_runs: int = MIN_RUNS
) -> tuple[list[dict], list[dict]]:
    """`mine_dirs`, each key's candidates saved into the store at `root`."""
    candidates, skipped = mine_dirs(dirs, min_runs)
    keys: dict[tuple, list[dict]] = {}
    for c in candidates:
        keys.setdefault(tuple(sorted(c["key"].items())), []).append(c)
    for key, found in keys.items():
        store.save(root, dict(key), found, skipped)
    return candidates, skipped
