"""Fresh, clean run directories: the agent's work directory holds the fixtures and nothing of
the grader; the staged skill, the trace and the grader's scratch space lie beside it, outside
everything the agent's sandbox can read (docs/bench.md, "Isolation")."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from skillir.bench.tasks import Task

SETUP_TIMEOUT_S = 120.0


class StageError(Exception):
    """Staging failed (missing fixture, setup script failed or hung); the run scores 0."""


@dataclass(frozen=True)
class Stage:
    """`root/work` (the agent's), `root/trace`, `root/skill` (staged skills), `root/grader`."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def trace(self) -> Path:
        return self.root / "trace"

    @property
    def skill(self) -> Path:
        return self.root / "skill"

    @property
    def grader(self) -> Path:
        return self.root / "grader"


def new_stage(parent: Path | None = None) -> Stage:
    """A new empty run directory (under `parent`, else the system's temp dir)."""
    root = Path(tempfile.mkdtemp(prefix="skill-bench-", dir=parent)).resolve()
    stage = Stage(root)
    for folder in (stage.work, stage.trace, stage.skill, stage.grader):
        folder.mkdir()
    return stage


def _copy_tree(source: Path, target: Path, skip: frozenset[str]) -> None:
    """Copy `source` into `target`: regular files and folders only, links never followed."""
    for entry in sorted(source.iterdir()):
        if entry.name in skip and entry.parent == source:
            continue
        dest = target / entry.name
        if entry.is_symlink():
            continue
        if entry.is_dir():
            dest.mkdir(exist_ok=True)
            _copy_tree(entry, dest, frozenset())
        elif entry.is_file():
            shutil.copyfile(entry, dest)
            shutil.copymode(entry, dest)


def run_checked(argv: list[str], cwd: Path, timeout_s: float, what: str) -> str:
    """Run `argv` in `cwd` in its own process group; its output, or StageError on a non-zero
    exit or a timeout (the whole group is killed)."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "HOME": str(cwd)},
    )
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise StageError(f"{what} timed out after {timeout_s:g} s") from None
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = text.strip().splitlines()[-3:]
        raise StageError(f"{what} exited {proc.returncode}: {' | '.join(tail)}")
    return text


def stage_task(task: Task, stage: Stage, setup_timeout_s: float = SETUP_TIMEOUT_S) -> None:
    """Fill `stage.work`: the task's fixtures (without its grader-only files), then its
    `_setup.sh` run there with its exit code checked."""
    missing = task.missing_fixtures()
    if missing:
        raise StageError(f"{task.folder}: missing fixture {', '.join(missing)}")
    if task.fixtures is not None:
        if not task.fixtures.is_dir():
            raise StageError(f"{task.fixtures}: missing fixtures folder")
        _copy_tree(task.fixtures, stage.work, task.fixture_excludes)
    for name, source in task.extra.get("copy", {}).items():  # SkillsBench environment files
        if not Path(source).exists():
            raise StageError(f"{source}: missing fixture")
        dest = stage.work / name
        if Path(source).is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            _copy_tree(Path(source), dest, frozenset())
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
    if task.setup is not None:
        run_checked(["bash", str(task.setup)], stage.work, setup_timeout_s, "_setup.sh")


def stage_skill(source: Path, stage: Stage) -> Path:
    """Copy a skill folder to `stage.skill/NAME` (outside the work directory); its path."""
    dest = stage.skill / source.name
    dest.mkdir()
    _copy_tree(source, dest, frozenset())
    return dest
