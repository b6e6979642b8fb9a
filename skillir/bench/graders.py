"""Graders: run after the agent, outside its sandbox's view, each with a time limit. A grader
that raises, hangs, returns the wrong type or weights that do not sum to 1 scores 0 with the
reason; a junit grader without `bun` is *skipped*, a judged part without a judge *not judged*."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillir.bench.staging import Stage, StageError, run_checked
from skillir.bench.tasks import Grader, Task

GRADER_TIMEOUT_S = 60.0
EPS = 1e-6
# Runs grade.py in a fresh interpreter: the result (or the error) as one JSON line on stdout.
PY_RUNNER = """
import importlib.util, json, sys, traceback
spec = importlib.util.spec_from_file_location("grade", sys.argv[1])
try:
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    with open(sys.argv[3], encoding="utf-8") as f:
        transcript = json.load(f)
    out = {"result": mod.grade(transcript, sys.argv[2])}
except BaseException as err:
    out = {"error": f"{type(err).__name__}: {err}"}
try:
    line = json.dumps(out)
except (TypeError, ValueError) as err:
    line = json.dumps({"error": f"result is not JSON: {err}"})
sys.stdout.write("\\n@@GRADE@@" + line + "\\n")
"""


@dataclass
class Part:
    """One grader's outcome: `status` ok | error | skipped | not-judged."""

    id: str
    kind: str
    weight: float
    status: str
    score: float | None = None
    reason: str = ""
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Grade:
    """Automated and judged scores apart (None: nothing of that kind was scored), combined
    with the task's weights into `score` when every part was scored, else `score` is the
    automated score (`basis` says which)."""

    parts: list[Part]
    automated: float | None
    judged: float | None
    score: float
    basis: str
    judge_prompt_tokens: int = 0
    judge_completion_tokens: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _weighted(parts: list[Part]) -> float | None:
    scored = [p for p in parts if p.score is not None]
    total = sum(p.weight for p in scored)
    if not scored:
        return None
    if total <= 0:
        return 0.0
    return sum(p.weight * p.score for p in scored) / total  # type: ignore[operator]


def check_records(result: Any) -> tuple[float, list[dict[str, Any]]]:
    """The weighted score of grade.py's records `[{id, score, weight, ...}]`; ValueError when
    they are not such a list, a score is outside [0, 1] or the weights do not sum to 1."""
    if not isinstance(result, list) or not result:
        raise ValueError(f"grade() returned {type(result).__name__}, not a list of records")
    total_w, total = 0.0, 0.0
    for i, rec in enumerate(result):
        if not isinstance(rec, dict):
            raise ValueError(f"record {i} is {type(rec).__name__}, not an object")
        score, weight = rec.get("score"), rec.get("weight")
        for name, value in (("score", score), ("weight", weight)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"record {i} ({rec.get('id')}): {name} is {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"record {i} ({rec.get('id')}): {name} is {value!r}")
        if score > 1 + EPS:
            raise ValueError(f"record {i} ({rec.get('id')}): score {score} is above 1")
        total_w += weight
        total += weight * score
    if abs(total_w - 1.0) > 1e-3:
        raise ValueError(f"the weights sum to {total_w:g}, not 1")
    return min(1.0, total / total_w), [
        {k: r.get(k) for k in ("id", "score", "weight", "description")} for r in result
    ]


def transcript_messages(trace: Path, prompt: str) -> list[dict[str, Any]]:
    """The run as SkVM's message list: the user's prompt, then per model turn an assistant
    message with its `tool_calls`, and per tool call a `tool` message with its output."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    if not trace.is_file():
        return messages
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == "llm":
            messages.append(
                {
                    "role": "assistant",
                    "content": event.get("content", ""),
                    "tool_calls": event.get("tool_calls", []),
                }
            )
        elif event.get("event") == "tool":
            messages.append(
                {"role": "tool", "name": event.get("name"), "content": event.get("output", "")}
            )
    return messages


def _script(grader: Grader, stage: Stage, timeout_s: float) -> Part:
    from skillir.runtime.sandbox import Sandbox

    spec = grader.spec
    sandbox = Sandbox(stage.work, timeout_s=timeout_s)  # the command may run the agent's code
    try:
        result = sandbox.run(["bash", "-c", spec["command"]], timeout_s)
    finally:
        sandbox.close()
    part = Part(grader.id, grader.kind, grader.weight, "ok", 0.0)
    want = spec.get("expectedExitCode", 0)
    expected = spec.get("expectedOutput")
    if result.timed_out:
        part.reason = f"command timed out after {timeout_s:g} s"
    elif result.exit_code != want:
        part.reason = f"exit code {result.exit_code}, expected {want}"
    elif expected and expected.strip() not in result.output:
        part.reason = f"output lacks {expected.strip()[:80]!r}"
    else:
        part.score = 1.0
    return part


def _file_check(grader: Grader, work: Path) -> Part:
    spec = grader.spec
    part = Part(grader.id, grader.kind, grader.weight, "ok", 0.0)
    pattern = spec.get("path") or spec.get("glob")
    files = sorted(p for p in work.glob(pattern) if p.is_file() and not p.is_symlink())
    files = [p for p in files if p.resolve().is_relative_to(work)]
    if not files:
        part.reason = f"no file {pattern}"
        return part
    mode = spec.get("mode", "exists")
    for path in files:
        name = path.relative_to(work)
        if mode == "exists":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        expected = spec.get("expected", "")
        if mode == "contains" and expected not in text:
            part.reason = f"{name} lacks {expected[:80]!r}"
        elif mode == "equals" and text.strip() != expected.strip():
            part.reason = f"{name} is {text.strip()[:80]!r}, expected {expected.strip()[:80]!r}"
        elif mode == "regex" and not re.search(expected, text, re.MULTILINE):
            part.reason = f"{name} does not match /{expected}/"
        elif mode == "json-schema":
            import jsonschema

            try:
                data = json.loads(text)
            except json.JSONDecodeError as err:
                part.reason = f"{name}:{err.lineno}:{err.colno}: not JSON: {err.msg}"
                return part
            validator = jsonschema.validators.validator_for(spec["schema"])(spec["schema"])
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            if errors:
                where = "/".join(str(x) for x in errors[0].absolute_path) or "(root)"
                part.reason = f"{name}: at {where}: {errors[0].message}"
        if part.reason:
            return part
    part.score = 1.0
    return part


def _python_grade(grader: Grader, task: Task, stage: Stage, timeout_s: float) -> Part:
    part = Part(grader.id, grader.kind, grader.weight, "error", 0.0)
    transcript = stage.grader / "transcript.json"
    transcript.write_text(
        json.dumps(transcript_messages(stage.trace / "trace.jsonl", task.prompt)), "utf-8"
    )
    argv = [sys.executable, "-c", PY_RUNNER, str(task.folder / "grade.py"), str(stage.work)]
    try:
        out = run_checked([*argv, str(transcript)], stage.grader, timeout_s, "grade.py")
    except StageError as err:
        part.reason = str(err)
        return part
    marker = out.rfind("@@GRADE@@")
    if marker < 0:
        part.reason = "grade.py wrote no result"
        return part
    answer = json.loads(out[marker + len("@@GRADE@@") :].splitlines()[0])
    if "error" in answer:
        part.reason = f"grade.py raised {answer['error']}"
        return part
    try:
        part.score, part.details = check_records(answer["result"])
    except ValueError as err:
        part.reason = f"grade.py: {err}"
        return part
    part.status = "ok"
    return part


def _junit(grader: Grader, task: Task, stage: Stage, timeout_s: float) -> Part:
    part = Part(grader.id, grader.kind, grader.weight, "skipped")
    bun = shutil.which("bun")
    if bun is None:
        part.reason = "bun is not on PATH"
        return part
    payload = grader.spec["payload"]
    test = stage.work / payload["testFile"]  # the agent has finished: its processes are gone
    shutil.copyfile(task.folder / "fixtures" / payload["testFile"], test)
    report = stage.grader / "junit.xml"
    argv = [bun, "test", "--reporter=junit", f"--reporter-outfile={report}", f"./{test.name}"]
    try:
        proc = subprocess.run(argv, cwd=stage.work, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        part.status, part.score, part.reason = "error", 0.0, f"bun test timed out ({timeout_s}s)"
        return part
    finally:
        test.unlink(missing_ok=True)
    if not report.is_file():
        tail = proc.stderr.decode(errors="replace")[-200:]
        part.status, part.score, part.reason = "error", 0.0, f"no junit report: {tail}"
        return part
    passed: dict[str, bool] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        suite = case.get("classname", "")
        ok = case.find("failure") is None and case.find("error") is None
        ok = ok and case.find("skipped") is None
        passed[f"{suite} > {name}" if suite else name] = ok
    total = 0.0
    for crit in payload["criteria"]:
        regex = re.compile(crit["testPattern"])
        hits = [ok for name, ok in passed.items() if regex.search(name)]
        value = 1.0 if hits and all(hits) else 0.0
        part.details.append({"id": crit.get("id"), "score": value, "weight": crit["weight"]})
        total += crit["weight"] * value
    weights = sum(c["weight"] for c in payload["criteria"])
    part.status, part.score = "ok", total / weights if weights > 0 else 0.0
    return part


def _judge(grader: Grader, task: Task, stage: Stage, judge: str | None) -> tuple[Part, int, int]:
    part = Part(grader.id, grader.kind, grader.weight, "not-judged")
    if judge is None:
        part.reason = "no --judge-model"
        return part, 0, 0
    import asyncio

    from skillir.runtime.llm import LLM, ModelError

    listing = []
    for path in sorted(stage.work.rglob("*"))[:40]:
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 20_000:
            listing.append(
                f"--- {path.relative_to(stage.work)}\n{path.read_text(errors='replace')}"
            )
    prompt = (
        f"Task given to an agent:\n{task.prompt}\n\nRubric:\n{grader.spec['rubric']}\n\n"
        f"Files the agent left:\n{chr(10).join(listing)[:20000]}\n\n"
        'Answer with one JSON object {"score": number between 0 and 1, "reason": string}.'
    )
    try:
        reply = asyncio.run(
            LLM(judge).complete([{"role": "user", "content": prompt}], max_tokens=400)
        )
    except ModelError as err:
        part.status, part.reason = "error", f"judge failed: {err}"
        return part, 0, 0
    found = re.search(r"\{.*\}", reply.content, re.DOTALL)
    try:
        value = float(json.loads(found.group(0))["score"]) if found else math.nan
    except (ValueError, KeyError, TypeError):
        value = math.nan
    if not 0 <= value <= 1:
        part.status, part.reason = "error", f"judge reply has no score: {reply.content[:120]!r}"
    else:
        part.status, part.score = "ok", value
    return part, reply.prompt_tokens, reply.completion_tokens


def grade(
    task: Task, stage: Stage, judge: str | None = None, timeout_s: float = GRADER_TIMEOUT_S
) -> Grade:
    """Score the work directory of `stage` with every grader of `task`."""
    parts: list[Part] = []
    judge_tokens = [0, 0]
    for grader in task.graders:
        try:
            if grader.kind == "script":
                parts.append(_script(grader, stage, timeout_s))
            elif grader.kind == "file-check":
                parts.append(_file_check(grader, stage.work))
            elif grader.kind == "python-grade":
                parts.append(_python_grade(grader, task, stage, timeout_s))
            elif grader.kind == "junit-grade":
                parts.append(_junit(grader, task, stage, timeout_s))
            elif grader.kind == "pytest":
                from skillir.bench.skillsbench import pytest_grade

                parts.append(pytest_grade(grader, task, stage, timeout_s))
            else:
                part, p, c = _judge(grader, task, stage, judge)
                parts.append(part)
                judge_tokens[0] += p
                judge_tokens[1] += c
        except Exception as err:  # a grader's crash scores 0 with its reason, never ends the run
            parts.append(
                Part(
                    grader.id,
                    grader.kind,
                    grader.weight,
                    "error",
                    0.0,
                    f"{type(err).__name__}: {err}",
                )
            )
    automated = _weighted([p for p in parts if not p.kind == "llm-judge"])
    judged = _weighted([p for p in parts if p.kind == "llm-judge"])
    if all(p.score is not None for p in parts):
        score, basis = _weighted(parts) or 0.0, "all"
    else:
        score, basis = automated or 0.0, "automated only"
    return Grade(parts, automated, judged, score, basis, judge_tokens[0], judge_tokens[1])
