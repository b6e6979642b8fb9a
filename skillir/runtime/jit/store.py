"""The candidate store: one JSON file per (skill digest, model, harness), written atomically.

    STORE/count-words-1a2b3c4d5e6f.json
      {"format": "skillir-jit-store", "version": 1,
       "key": {"skill": ..., "skill_digest": ..., "model": ..., "harness": ...},
       "candidates": [PROGRAM, ...], "skipped": [{"run": DIR, "reason": ...}]}

A run only ever looks up the file of its own key, so a changed skill (a new digest) never
reuses old candidates. Updates (mining, run-time counts, `forget`) hold an exclusive lock on
`STORE/.lock` and replace the file by rename. A candidate is demoted after `DEMOTE_AFTER`
failed runs in a row.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skillir.runtime.jit.program import problem
from skillir.runtime.trace import write_json_atomic

DEMOTE_AFTER = 3
FORMAT = "skillir-jit-store"


class StoreError(Exception):
    """A store that cannot be read or written (the message names the file)."""


def default_store() -> Path:
    """$SKILLIR_JIT_STORE, else ~/.local/share/skillir/jit."""
    env = os.environ.get("SKILLIR_JIT_STORE")
    return Path(env) if env else Path.home() / ".local" / "share" / "skillir" / "jit"


def key_file(root: Path, key: dict[str, str]) -> Path:
    """The file holding the candidates of `key`."""
    raw = json.dumps([key["skill_digest"], key["model"], key["harness"]]).encode()
    name = "".join(c if c.isalnum() else "-" for c in key.get("skill", "skill").lower())[:60]
    return root / f"{name.strip('-') or 'skill'}-{hashlib.sha256(raw).hexdigest()[:12]}.json"


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """An exclusive lock over the store's updates."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read(path: Path) -> dict[str, Any]:
    """A store file, checked: its format and every candidate against the program schema."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise StoreError(f"{path}:{err.lineno}:{err.colno}: error: {err.msg}") from err
    except (OSError, UnicodeDecodeError) as err:
        raise StoreError(f"{path}: error: cannot read: {err}") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError(f"{path}:1:1: error: not a skillir JIT store file")
    for n, candidate in enumerate(data.get("candidates", [])):
        why = problem(candidate)
        if why is not None:
            raise StoreError(f"{path}: error: candidate {n + 1}: {why}")
    return data


def files(root: Path) -> list[Path]:
    """The store's files (none when it does not exist)."""
    return sorted(p for p in root.glob("*.json") if p.is_file() and not p.is_symlink())


def load(root: Path, key: dict[str, str]) -> dict[str, Any] | None:
    """The store file of `key`, or None."""
    path = key_file(root, key)
    return read(path) if path.is_file() else None


def save(root: Path, key: dict[str, str], candidates: list[dict], skipped: list[dict]) -> Path:
    """Merge `candidates` into the file of `key` (a candidate with the same id keeps its
    run-time counts and demotion); the file."""
    with locked(root):
        path = key_file(root, key)
        old = read(path) if path.is_file() else {"candidates": []}
        before = {c["id"]: c for c in old["candidates"]}
        merged = dict(before)
        for c in candidates:
            if c["id"] in before:
                c = c | {"stats": before[c["id"]].get("stats", c["stats"])}
                if before[c["id"]].get("status") == "demoted":
                    c["status"] = "demoted"
            merged[c["id"]] = c
        data = {"format": FORMAT, "version": 1, "key": key}
        data |= {"candidates": list(merged.values()), "skipped": skipped}
        write_json_atomic(path, data)
    return path


def find(root: Path, ident: str) -> tuple[Path, dict[str, Any]] | None:
    """The store file and candidate with id `ident`."""
    for path in files(root):
        for candidate in read(path)["candidates"]:
            if candidate["id"] == ident:
                return path, candidate
    return None


def update(root: Path, path: Path, ident: str, change: Any) -> dict[str, Any] | None:
    """Apply `change(candidate) -> candidate | None` (None: remove it) under the lock; the
    candidate as changed."""
    with locked(root):
        data = read(path)
        kept, changed = [], None
        for candidate in data["candidates"]:
            if candidate["id"] == ident:
                changed = change(candidate)
                if changed is None:
                    continue
                candidate = changed
            kept.append(candidate)
        write_json_atomic(path, data | {"candidates": kept})
    return changed


def count(root: Path, path: Path, ident: str, ok: bool) -> dict[str, Any] | None:
    """Record one run-time outcome of a candidate; demote it after DEMOTE_AFTER failures in
    a row."""

    def change(candidate: dict[str, Any]) -> dict[str, Any]:
        stats = dict(candidate.get("stats") or {})
        stats["fired"] = stats.get("fired", 0) + 1
        if ok:
            stats["consecutive_failures"] = 0
        else:
            stats["failures"] = stats.get("failures", 0) + 1
            stats["consecutive_failures"] = stats.get("consecutive_failures", 0) + 1
        status = candidate.get("status")
        if stats["consecutive_failures"] >= DEMOTE_AFTER:
            status = "demoted"
        return candidate | {"stats": stats, "status": status}

    return update(root, path, ident, change)
