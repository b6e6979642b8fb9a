"""Task formats: the reference system's `task.json` (and, in `skillsbench.py`, SkillsBench).

A task folder becomes a `Task`: the prompt, what is copied into the fresh work directory
(fixtures minus grader-only files), the setup script, limits, the skills it names and its
graders. A malformed task raises `TaskError` naming the file and the offending field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillir.bench.json_positions import position

TASK_FILES = ("task.json", "task.toml", "task.md")
FILE_CHECK_MODES = ("exists", "contains", "equals", "regex", "json-schema")
EVALUATORS = ("python-grade", "junit-grade")


class TaskError(Exception):
    """A task that cannot be run as written: `path:line:col: error: field: reason`."""


class _FieldError(TaskError):
    """A TaskError about one field of a task.json; `load_task_json` adds its position."""

    def __init__(self, path: Path, where: str, why: str) -> None:
        super().__init__(f"{path}: error: {where}: {why}")
        self.where, self.why = where, why


@dataclass(frozen=True)
class Grader:
    """One `eval[]` entry: `kind` is script, file-check, python-grade, junit-grade, pytest or
    llm-judge; `judged` graders need a judge model; `spec` is the entry as written."""

    kind: str
    id: str
    weight: float
    spec: dict[str, Any]

    @property
    def judged(self) -> bool:
        return self.kind == "llm-judge"


@dataclass(frozen=True)
class Task:
    """A runnable task. `hidden` names files of the task folder the agent must never see
    (graders, tests, oracle solutions); `not_runnable` says why it cannot run here."""

    id: str
    folder: Path
    format: str
    prompt: str
    graders: tuple[Grader, ...]
    fixtures: Path | None = None
    setup: Path | None = None
    timeout_s: float = 300.0
    max_steps: int = 12
    skills: tuple[Path, ...] = ()
    skill_problem: str | None = None  # an unknown skill: conditions with a skill fail with it
    fixture_excludes: frozenset[str] = frozenset()
    declared_fixtures: tuple[str, ...] = ()  # task.json's `fixtures`: checked when staged
    not_runnable: str | None = None
    requirements: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def methods(self) -> list[str]:
        return sorted({g.kind for g in self.graders})

    def missing_fixtures(self) -> list[str]:
        """The declared fixtures that are not in `fixtures/` (each run of the task fails)."""
        folder = self.folder / "fixtures"
        return [f"fixtures/{n}" for n in self.declared_fixtures if not (folder / n).exists()]


def _fail(path: Path, where: str, why: str) -> TaskError:
    return _FieldError(path, where, why)


def _number(path: Path, data: dict, key: str, default: float, where: str = "") -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, f"{where}{key}", f"expected a number, got {value!r}")
    if value <= 0 and key != "weight":
        raise _fail(path, f"{where}{key}", f"must be positive, got {value!r}")
    if value < 0:
        raise _fail(path, f"{where}{key}", f"must not be negative, got {value!r}")
    return float(value)


def _text(path: Path, data: dict, key: str, where: str = "", required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, f"{where}{key}", f"expected a non-empty string, got {value!r}")
    return value


def _grader(path: Path, folder: Path, index: int, entry: Any) -> Grader:
    where = f"eval[{index}]."
    if not isinstance(entry, dict):
        raise _fail(path, f"eval[{index}]", f"expected an object, got {type(entry).__name__}")
    method = entry.get("method")
    weight = _number(path, entry, "weight", 1.0, where)
    gid = str(entry.get("id") or f"{method}-{index}")
    if method == "script":
        _text(path, entry, "command", where)
        code = entry.get("expectedExitCode", 0)
        if isinstance(code, bool) or not isinstance(code, int):
            raise _fail(path, f"{where}expectedExitCode", f"expected an integer, got {code!r}")
        _text(path, entry, "expectedOutput", where, required=False)
        return Grader("script", gid, weight, entry)
    if method == "file-check":
        if not isinstance(entry.get("path") or entry.get("glob"), str):
            raise _fail(path, f"{where}path", "a file-check needs `path` or `glob` (a string)")
        target = entry.get("path") or entry.get("glob")
        if Path(target).is_absolute() or ".." in Path(target).parts:
            raise _fail(path, f"{where}path", f"must stay inside the work directory: {target!r}")
        mode = entry.get("mode", "exists")
        if mode not in FILE_CHECK_MODES:
            raise _fail(path, f"{where}mode", f"unknown mode {mode!r} (one of {FILE_CHECK_MODES})")
        if mode == "json-schema":
            schema = entry.get("schema")
            if not isinstance(schema, dict):
                raise _fail(path, f"{where}schema", "json-schema mode needs a `schema` object")
            import jsonschema

            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except jsonschema.SchemaError as err:
                raise _fail(
                    path, f"{where}schema", f"not a valid JSON schema: {err.message}"
                ) from None
        elif mode != "exists":
            _text(path, entry, "expected", where)
        return Grader("file-check", gid, weight, entry)
    if method == "custom":
        evaluator = entry.get("evaluatorId")
        if evaluator == "python-grade":
            if not (folder / "grade.py").is_file():
                raise _fail(path, f"{where}evaluatorId", "python-grade needs grade.py beside it")
            return Grader("python-grade", gid, weight, entry)
        if evaluator == "junit-grade":
            payload = entry.get("payload")
            if not isinstance(payload, dict):
                raise _fail(path, f"{where}payload", "junit-grade needs a payload object")
            test = _text(path, payload, "testFile", f"{where}payload.")
            if Path(test).name != test or not (folder / "fixtures" / test).is_file():
                raise _fail(path, f"{where}payload.testFile", f"no fixtures/{test}")
            criteria = payload.get("criteria")
            if not isinstance(criteria, list) or not criteria:
                raise _fail(path, f"{where}payload.criteria", "expected a non-empty list")
            for k, crit in enumerate(criteria):
                at = f"{where}payload.criteria[{k}]."
                if not isinstance(crit, dict):
                    raise _fail(path, at[:-1], "expected an object")
                _text(path, crit, "testPattern", at)
                _number(path, crit, "weight", 1.0, at)
            return Grader("junit-grade", gid, weight, entry)
        raise _fail(path, f"{where}evaluatorId", f"unknown evaluator {evaluator!r} {EVALUATORS}")
    if method == "llm-judge":
        _text(path, entry, "rubric", where)
        return Grader("llm-judge", gid, weight, entry)
    raise _fail(path, f"{where}method", f"unknown eval method {method!r}")


def _skill_path(path: Path, folder: Path, ref: Any, where: str) -> tuple[Path | None, str]:
    """A skill reference, relative to the task folder; the SkVM layout's `../../skills/NAME`
    is also found as `_skills/NAME` beside the task (how ../shared/tasks/skvm stores them).
    An unknown skill is (None, why): the runs that need it fail with that message."""
    if not isinstance(ref, str) or not ref:
        raise _fail(path, where, f"expected a skill path, got {ref!r}")
    for candidate in (folder / ref, folder.parent / "_skills" / Path(ref).name):
        if (candidate / "SKILL.md").is_file() and not candidate.is_symlink():
            return candidate.resolve(), ""
    return (
        None,
        f"{path}: error: {where}: unknown skill {ref!r} (no SKILL.md there or in ../_skills/)",
    )


def load_task_json(path: Path) -> Task:
    """Read a `task.json` task (the reference system's format) at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise TaskError(f"{path}:{err.lineno}:{err.colno}: error: {err.msg}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise TaskError(f"{path}: error: cannot read: {err}") from None
    try:
        return _task_json(path, data)
    except _FieldError as err:
        line, column = position(text, err.where)
        raise TaskError(f"{path}:{line}:{column}: error: {err.where}: {err.why}") from None


def _task_json(path: Path, data: Any) -> Task:
    """The task of the parsed task.json `data` (a _FieldError names the offending field)."""
    folder = path.parent
    if not isinstance(data, dict):
        raise _fail(path, "(top level)", "expected a JSON object")
    prompt = _text(path, data, "prompt")
    evals = data.get("eval")
    if not isinstance(evals, list) or not evals:
        raise _fail(path, "eval", "expected a non-empty list of graders")
    graders = tuple(_grader(path, folder, i, e) for i, e in enumerate(evals))
    refs = data.get("skill", data.get("skills", []))
    refs = [refs] if isinstance(refs, str) else refs
    if not isinstance(refs, list):
        raise _fail(path, "skill", f"expected a path or a list of paths, got {refs!r}")
    found = [_skill_path(path, folder, r, f"skill[{i}]") for i, r in enumerate(refs)]
    skills = tuple(p for p, _ in found if p is not None)
    problems = [why for _, why in found if why]
    fixtures = folder / "fixtures"
    declared = data.get("fixtures")
    if declared is not None:
        if not isinstance(declared, list) or not all(isinstance(x, str) for x in declared):
            raise _fail(path, "fixtures", "expected a list of file names")
        for name in declared:
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise _fail(path, "fixtures", f"{name!r} is not a path inside fixtures/")
    hidden = {g.spec["payload"]["testFile"] for g in graders if g.kind == "junit-grade"}
    setup = fixtures / "_setup.sh"
    return Task(
        id=str(data.get("id") or folder.name),
        folder=folder.resolve(),
        format="task.json",
        prompt=prompt,
        graders=graders,
        fixtures=fixtures.resolve() if fixtures.is_dir() else None,
        setup=setup.resolve() if setup.is_file() else None,
        timeout_s=_number(path, data, "timeoutMs", 300_000.0) / 1000,
        max_steps=int(_number(path, data, "maxSteps", 12)),
        skills=skills,
        skill_problem=problems[0] if problems else None,
        fixture_excludes=frozenset(hidden | {"_setup.sh"}),
        declared_fixtures=tuple(declared or ()),
        not_runnable=_needs(graders, prompt),
    )


def _needs(graders: tuple[Grader, ...], prompt: str) -> str | None:
    """Why this machine cannot grade the task, or None (judged parts are reported apart)."""
    import shutil

    if any(g.kind == "junit-grade" for g in graders) and shutil.which("bun") is None:
        if all(g.kind in ("junit-grade", "llm-judge") for g in graders):
            return "its automated grader is junit-grade and `bun` is not on PATH"
    return None


def load_task(folder: Path) -> Task:
    """The task in `folder` (task.json, task.toml or task.md)."""
    if (folder / "task.json").is_file():
        return load_task_json(folder / "task.json")
    from skillir.bench.skillsbench import load_harbor, load_v11

    if (folder / "task.toml").is_file():
        return load_harbor(folder)
    if (folder / "task.md").is_file():
        return load_v11(folder)
    raise TaskError(f"{folder}: error: no task.json, task.toml or task.md")


def discover(paths: list[Path]) -> list[Task]:
    """Tasks named by `paths`: task folders, or folders of them (sorted, one level down)."""
    tasks: list[Task] = []
    for path in paths:
        if not path.is_dir():
            raise TaskError(f"{path}: error: not a task folder or a folder of tasks")
        if any((path / name).is_file() for name in TASK_FILES):
            tasks.append(load_task(path))
            continue
        found = sorted(
            p for p in path.iterdir() if p.is_dir() and any((p / n).is_file() for n in TASK_FILES)
        )
        if not found:
            raise TaskError(f"{path}: error: no task folders in it")
        tasks.extend(load_task(p) for p in found)
    ids = [t.id for t in tasks]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise TaskError(f"{paths[0]}: error: task ids appear twice: {sorted(dup)}")
    return tasks
