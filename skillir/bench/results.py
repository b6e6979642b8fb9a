"""The results file: one JSON object a line, appended as each run ends. A line is written with
one `write` on an O_APPEND descriptor and fsynced, so a killed bench leaves whole lines (a torn
last line is ignored on reading and cut off before the next append)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class ResultsError(Exception):
    """A results file that cannot be read: `path:line: error: ...`."""


def run_key(record: dict[str, Any]) -> tuple[str, str, str, int]:
    """What identifies a run: task, condition, model, repeat."""
    return (record["task"], record["condition"], record["model"], int(record["repeat"]))


def load(path: Path) -> list[dict[str, Any]]:
    """The records of `path` (a torn last line, from a kill mid-write, is left out)."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: error: cannot read: {err}") from None
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            if number == len(lines):  # the last line, without its newline: torn by a kill
                continue
            raise ResultsError(f"{path}:{number}:{err.colno}: error: {err.msg}") from None
        if not isinstance(record, dict) or not {"task", "condition", "model", "repeat"} <= set(
            record
        ):
            raise ResultsError(f"{path}:{number}:1: error: not a skill-bench run record")
        records.append(record)
    return records


def append(path: Path, record: dict[str, Any]) -> None:
    """Append `record` as one line (one write, fsynced); a torn last line is cut off first."""
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
            os.ftruncate(fd, size - len(tail) + tail.rfind(b"\n") + 1)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
