"""Incremental recompilation: compile with the parent and the revised profile, and say which ops
changed.

An op's *fingerprint* is its name, its properties and those of the annotation ops directly
in it (`cap.*`, `env.*`, `par.*` and compiler notes; not `cap.target`/`cap.baseline`, which
hold the profile and the guard's totals for the whole compile), leaving out nested content
ops, which have fingerprints of their own. Ops are matched across the two IRs by (name,
span). An op whose requirements (its own and those nested in it) do not involve a changed
primitive keeps its fingerprint: the
recompile touched only what the new evidence is about (`tests/test_adaptive.py` checks it).
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.ir import Operation

COMPILE_TIMEOUT_S = 300.0
ANNOTATIONS = ("cap.", "env.", "par.")
NOTE = "**Note:**"
WHOLE_COMPILE = ("cap.target", "cap.baseline")  # describe the whole compile, not one op


class RecompileError(Exception):
    """The compiler refused the skill or the profile (its diagnostics are the message)."""


def compile_ir(skill: Path, harness: str, profile: Path) -> Operation:
    """The IR of `skill` compiled for `harness` with `profile` (in-process, `skillir.api`)."""
    from skillir.api import compile, parse

    try:
        result = compile(parse(skill), harness, profile=profile)
    except OSError as err:
        raise RecompileError(f"{skill}: {err.strerror or err}") from None
    if not result.ok:
        raise RecompileError("; ".join(d.message for d in result.errors) or "compile failed")
    return result.module


def emit(skill: Path, harness: str, profile: Path, out: Path) -> None:
    """Write the compiled folder of `skill` to `out` (`skill-translate`, replacing `out`)."""
    argv = [sys.executable, "-m", "skillir.tools.skill_translate", str(skill), "-q"]
    argv += [f"--target={harness}", "--profile", str(profile), "-o", str(out), "--force"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    if proc.returncode != 0:
        raise RecompileError(proc.stderr.strip() or f"skill-translate exited {proc.returncode}")


def _is_annotation(op: Operation) -> bool:
    if op.name in WHOLE_COMPILE:
        return False
    if op.name.startswith(ANNOTATIONS):
        return True
    text = op.properties.get("text")
    return op.name == "skill.quote" and str(getattr(text, "data", "")).startswith(NOTE)


def _header(op: Operation) -> str:
    props = ", ".join(f"{k}={v}" for k, v in sorted(op.properties.items()))
    return f"{op.name} {{{props}}}"


def fingerprint(op: Operation) -> str:
    """The op and the annotations directly in it, as text."""
    lines = [_header(op)]
    for region in op.regions:
        for block in region.blocks:
            lines += ["  " + _header(child) for child in block.ops if _is_annotation(child)]
    return "\n".join(lines)


def _content_ops(module: Operation) -> dict[tuple[str, str], Operation]:
    found: dict[tuple[str, str], Operation] = {}
    for op in module.walk():
        if op.name.startswith("skill.") and not _is_annotation(op):
            span = op.properties.get("span")
            key = (op.name, str(span) if span is not None else "")
            found.setdefault(key, op)
    return found


def required(op: Operation) -> set[str]:
    """The primitives `cap.require` ops in `op` or nested in it name (a note about a nested
    block may sit on the section around it)."""
    return {
        str(child.properties["primitive"].data)  # type: ignore[attr-defined]
        for child in op.walk()
        if child.name == "cap.require"
    }


@dataclass
class Change:
    """What recompiling changed: ops (by name and span) and the unified diff of SKILL.md."""

    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    untouched_changed: list[str] = field(default_factory=list)  # should stay empty
    skill_diff: str = ""


def compare(before: Operation, after: Operation, primitives: set[str]) -> Change:
    """The ops whose fingerprint differs; `untouched_changed` lists those among them that
    require none of `primitives` in either IR (the contract says there are none)."""
    old, new = _content_ops(before), _content_ops(after)
    change = Change()
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and fingerprint(a) == fingerprint(b):
            change.unchanged += 1
            continue
        label = f"{key[0]} at {key[1] or '?'}"
        change.changed.append(label)
        needs = (required(a) if a else set()) | (required(b) if b else set())
        if a is not None and b is not None and not needs & primitives:
            change.untouched_changed.append(label)
    return change


def skill_diff(before: Path, after: Path) -> str:
    """The unified diff of two compiled folders' SKILL.md."""
    a = (before / "SKILL.md").read_text(encoding="utf-8").splitlines(keepends=True)
    b = (after / "SKILL.md").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, "current/SKILL.md", "adapted/SKILL.md"))
