"""Typed parameters and their extractors: where a varying value comes from in a task.

A parameter has a type, inferred from the values it took across runs (`integer`, `path`,
`identifier`, `text`, tried in that order), and an extractor, learnt as the first source that
gave the run's value in every run, in this order of generality:

    {"from": "prompt", "class": "file-existing", "index": 0, "unique": true}
        the (only) file name in the prompt that names a file in the work directory
    {"from": "prompt", "class": "file-new" | "quoted" | "integer" | "file", ...}
        the same over file names naming nothing yet, quoted spans, integers, any file name
    {"from": "prompt", "after": "lines of"}
        the token right after a phrase every training prompt had before the value
    {"from": "workdir", "index": 0, "count": 1}
        a file of the work directory (sorted names), when it held `count` files
    {"from": "result", "step": 0, "line": 0}
        a line of an earlier step's output

`unique` extractors bind only when the prompt has exactly one match of their class (an
ambiguous prompt goes to the model). `bind` checks the value against the type and the
security rules: a path is relative, normalised and inside the work directory; no value that
starts with `-` enters an argv position of its own unless it follows `--`; no value holds NUL
or a newline unless it is free text inside file content.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TYPES = ("integer", "path", "identifier", "text")
_INTEGER = re.compile(r"\d{1,18}")
_PATH = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
CLASSES: dict[str, re.Pattern[str]] = {
    "quoted": re.compile(r"\"([^\"\n]{1,200})\"|(?<!\w)'([^'\n]{1,200})'(?!\w)|`([^`\n]{1,200})`"),
    "file": re.compile(r"(?<![\w./-])((?:[\w-]+/)*[\w-]+\.[A-Za-z0-9]{1,8})(?![\w/-])"),
    "integer": re.compile(r"(?<![\w.-])(\d{1,18})(?![\w-]|\.\d)"),
}
_TOKEN = re.compile(r"[^\s\"'`,;:!?()]+")
PROMPT_CLASSES = ("file-existing", "file-new", "quoted", "integer", "file")


class Unbound(Exception):
    """A parameter that does not bind for this task (the message says why)."""


@dataclass(frozen=True)
class Task:
    """What extractors read: the request, the work directory's regular files before the run
    (sorted, relative), and the outputs of the steps run so far."""

    request: str
    files: tuple[str, ...]
    outputs: tuple[str, ...] = ()


def type_of(values: list[str]) -> str:
    """The narrowest type all `values` have."""
    if all(_INTEGER.fullmatch(v) for v in values):
        return "integer"
    if all(_PATH.fullmatch(v) and ("." in v or "/" in v) and _inside(v) for v in values):
        return "path"
    if all(_IDENTIFIER.fullmatch(v) for v in values):
        return "identifier"
    return "text"


def _inside(path: str) -> bool:
    normal = posixpath.normpath(path)
    return not path.startswith("/") and normal != ".." and not normal.startswith("../")


def matches(task: Task, cls: str) -> list[str]:
    """The values of class `cls` in the request, in order."""
    base = "file" if cls.startswith("file") else cls
    found = [
        next(g for g in m.groups() if g is not None) for m in CLASSES[base].finditer(task.request)
    ]
    if cls == "file-existing":
        return [f for f in found if f in task.files]
    if cls == "file-new":
        return [f for f in found if f not in task.files]
    return found


def sources(task: Task, value: str) -> list[dict[str, Any]]:
    """Every extractor that gives `value` for `task`, most general first."""
    found: list[dict[str, Any]] = []
    for cls in PROMPT_CLASSES:
        values = matches(task, cls)
        for index, v in enumerate(values):
            if v == value:
                found.append(
                    {"from": "prompt", "class": cls, "index": index, "unique": len(values) == 1}
                )
    for m in _TOKEN.finditer(task.request):
        if m.group(0).rstrip(".") == value:
            before = _words_before(task.request, m.start())[-2:]
            if before:
                found.append({"from": "prompt", "after": " ".join(before)})
                found.append({"from": "prompt", "after": before[-1]})
    for index, name in enumerate(task.files):
        if name == value:
            found.append({"from": "workdir", "index": index, "count": len(task.files)})
    for step, output in enumerate(task.outputs):
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        for n, line in enumerate(lines):
            if line == value:
                found.append({"from": "result", "step": step, "line": n})
    return found


def _words_before(text: str, at: int) -> list[str]:
    """The words of `text` before offset `at`, quotes stripped (a quoted value's context)."""
    return [w for w in (w.strip("\"'`") for w in text[:at].split()) if w]


def learn(tasks: list[Task], values: list[str]) -> dict[str, Any] | None:
    """The most general extractor that gives each run's value in every run, or None. A
    `unique` flag holds only if the class had one match in every run."""
    common: list[dict[str, Any]] | None = None
    for task, value in zip(tasks, values, strict=True):
        found = sources(task, value)
        if common is None:
            common = found
            continue
        keep = []
        for extractor in common:
            loose = {k: v for k, v in extractor.items() if k != "unique"}
            match = [f for f in found if {k: v for k, v in f.items() if k != "unique"} == loose]
            if match:
                unique = extractor.get("unique", False) and match[0].get("unique", False)
                keep.append({**extractor, "unique": unique} if "unique" in extractor else extractor)
        common = keep
    if not common:
        return None
    uniques = [e for e in common if e.get("unique")]
    return (uniques or common)[0]


def extract(extractor: dict[str, Any], task: Task) -> str:
    """The value `extractor` gives for `task`; Unbound when it gives none."""
    kind = extractor["from"]
    if kind == "prompt" and "class" in extractor:
        values = matches(task, extractor["class"])
        if extractor.get("unique") and len(values) != 1:
            raise Unbound(f"{len(values)} {extractor['class']} matches in the prompt, not one")
        if extractor["index"] >= len(values):
            raise Unbound(f"no {extractor['class']} match {extractor['index']} in the prompt")
        return values[extractor["index"]]
    if kind == "prompt":
        phrase = extractor["after"]
        found = [
            m.group(0).rstrip(".")
            for m in _TOKEN.finditer(task.request)
            if " ".join(_words_before(task.request, m.start())[-len(phrase.split()) :]) == phrase
        ]
        if len(found) != 1:
            raise Unbound(f"{len(found)} tokens after {phrase!r} in the prompt, not one")
        return found[0]
    if kind == "workdir":
        if len(task.files) != extractor["count"]:
            raise Unbound(
                f"the work directory has {len(task.files)} files, not {extractor['count']}"
            )
        return task.files[extractor["index"]]
    if kind == "result":
        if extractor["step"] >= len(task.outputs):
            raise Unbound(f"step {extractor['step']} has not run")
        lines = [ln.strip() for ln in task.outputs[extractor["step"]].splitlines() if ln.strip()]
        if extractor["line"] >= len(lines):
            raise Unbound(f"step {extractor['step']} printed no line {extractor['line']}")
        return lines[extractor["line"]]
    raise Unbound(f"unknown extractor {kind!r}")


def check(value: str, kind: str, positional: bool, root: Path | None = None) -> str:
    """`value` if it is a valid `kind` for its place; Unbound with the reason otherwise.
    `positional`: it fills a whole argv word before any `--`, so it may not look like an
    option. A path must stay inside the work directory `root` (lexically, and without a
    symbolic link on the way when `root` is given)."""
    if "\x00" in value:
        raise Unbound("a value cannot hold NUL")
    if kind != "text" and ("\n" in value or "\r" in value):
        raise Unbound(f"a {kind} cannot hold a line break")
    if positional and value.startswith("-"):
        raise Unbound(f"{value!r} looks like an option in a positional place")
    if kind == "integer" and not _INTEGER.fullmatch(value):
        raise Unbound(f"{value!r} is not an integer")
    if kind == "identifier" and not _IDENTIFIER.fullmatch(value):
        raise Unbound(f"{value!r} is not an identifier")
    if kind == "path":
        if not _PATH.fullmatch(value) or not _inside(value) or ".." in value.split("/"):
            raise Unbound(f"{value!r} is not a path inside the work directory")
        if root is not None:
            at = root
            for part in value.split("/"):
                at = at / part
                if at.is_symlink():
                    raise Unbound(f"{value!r} goes through a symbolic link")
    return value
