"""Postconditions learnt from traces: what a correct run leaves behind.

    {"exit_codes": [0], "stdout": ["empty"],
     "files": [{"path": [{"param": "p2"}], "kind": "integer"}]}

`exit_codes` and `stdout` hold, per command step, the exit code every run had and the shape of
its output (`empty`, `integer`, `line`, `lines`; `any` when the runs disagree). `files` are the
files the runs wrote (new or changed), named by word templates, with the kind of content every
run's file had (`empty`, `integer`, `json`, `text`, `binary`; `any` when they disagree). A
solidified run passes when its exit codes and output shapes agree and it wrote exactly these
files, each of its kind.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

_INTEGER = re.compile(r"\s*-?\d+\s*")
MAX_KIND_BYTES = 1_000_000


def output_shape(text: str) -> str:
    """The shape of a step's output."""
    if not text.strip():
        return "empty"
    if _INTEGER.fullmatch(text):
        return "integer"
    return "line" if len(text.strip().splitlines()) == 1 else "lines"


def file_kind(path: Path) -> str | None:
    """The kind of a regular file's content (a link or anything else: None)."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_KIND_BYTES)
    if not data.strip():
        return "empty"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    if _INTEGER.fullmatch(text):
        return "integer"
    try:
        json.loads(text)
        return "json"
    except ValueError:
        return "text"


def agree(values: list[Any]) -> Any:
    """The value all runs had, else `any`."""
    return values[0] if all(v == values[0] for v in values) else "any"


def check(
    post: dict[str, Any],
    codes: list[int | None],
    outputs: list[str],
    written: list[str],
    files: list[str],
    root: Path,
) -> str | None:
    """Why a run fails `post` (None when it passes): `codes` and `outputs` of its command
    steps, the files it `written`, the rendered `files` it had to write under `root`."""
    for n, (want, got) in enumerate(zip(post["exit_codes"], codes, strict=True)):
        if want != "any" and want != got:
            return f"command {n + 1} exited {got}, the traces {want}"
    for n, (want, out) in enumerate(zip(post["stdout"], outputs, strict=True)):
        if want != "any" and output_shape(out) != want:
            return f"command {n + 1} printed {output_shape(out)} output, the traces {want}"
    if sorted(set(written)) != sorted(set(files)):
        return f"wrote {sorted(set(written))}, the traces {sorted(set(files))}"
    for spec, name in zip(post["files"], files, strict=True):
        kind = file_kind(root / name)
        if kind is None:
            return f"{name} is not a regular file"
        if spec["kind"] != "any" and kind != spec["kind"]:
            return f"{name} holds {kind} content, the traces {spec['kind']}"
    return None
