"""Probe instances: what a generator produces, and the shared checkers.

A generator is `gen(rng, level) -> Task`; `make_instance` seeds it per (primitive, level, seed)
so an instance is byte-identical across runs and machines. The task's `reference` and `wrong`
solutions (files to write; the key `ANSWER` is the transcript's final answer) exist for ground
truth tests and never reach the agent's work directory: only `files` are staged.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENERATOR_VERSION = "skillir-profiler/1"
ANSWER = "@answer"

Check = Callable[[dict[str, Any], Path, str], bool]
"""A checker over (the task's `expect`, the work directory, the transcript)."""


@dataclass
class Task:
    """A prompt, fixture files, checker data and checker, and ground-truth solutions."""

    prompt: str
    files: dict[str, str]
    expect: dict[str, Any]
    check: Check
    reference: dict[str, str]
    wrong: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Instance:
    primitive: str
    level: int
    seed: int
    task: Task

    def canonical(self) -> bytes:
        """The instance's content as canonical JSON bytes (what must be reproducible)."""
        data = {
            "generator": GENERATOR_VERSION,
            "primitive": self.primitive,
            "level": self.level,
            "seed": self.seed,
            "prompt": self.task.prompt,
            "files": self.task.files,
            "expect": self.task.expect,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def rng_for(primitive: str, level: int, seed: int) -> random.Random:
    """A generator's random source: a function of (primitive, level, seed) only."""
    key = hashlib.sha256(f"{GENERATOR_VERSION}|{primitive}|{level}|{seed}".encode()).digest()
    return random.Random(int.from_bytes(key[:8], "big"))


def read(workdir: Path, name: str) -> str | None:
    """Text of a regular file inside `workdir` (no symlinks), or None."""
    path = workdir / name
    if path.is_symlink() or not path.is_file():
        return None
    if not path.resolve().is_relative_to(workdir.resolve()):
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def read_json(workdir: Path, name: str) -> Any:
    text = read(workdir, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def check_text(e: dict[str, Any], wd: Path, transcript: str) -> bool:
    """`e["path"]` holds `e["text"]` (surrounding whitespace ignored)."""
    got = read(wd, e["path"])
    return got is not None and got.strip() == e["text"].strip()


def check_exact(e: dict[str, Any], wd: Path, transcript: str) -> bool:
    """`e["path"]` holds exactly `e["text"]` (a final newline optional)."""
    got = read(wd, e["path"])
    return got is not None and got.removesuffix("\n") == e["text"].removesuffix("\n")


def check_number(e: dict[str, Any], wd: Path, transcript: str) -> bool:
    """`e["path"]` holds a number within `e["tol"]` of `e["value"]`."""
    got = number(read(wd, e["path"]))
    return got is not None and abs(got - e["value"]) <= e.get("tol", 1e-9)


def check_json(e: dict[str, Any], wd: Path, transcript: str) -> bool:
    """`e["path"]` parses as JSON equal (types included) to `e["value"]`."""
    got = read_json(wd, e["path"])
    return got is not None and _typed(got) == _typed(e["value"])


def _typed(value: Any) -> Any:
    """JSON value with bool/int/float kept apart (`1 == True` must not pass)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (
        type(value).__name__
        if not isinstance(value, int | float) or isinstance(value, bool)
        else "num",
        value,
    )


def also_file(name_key: str, check: Check) -> Check:
    """`check`, and the file named by `e[name_key]` exists (e.g. the script asked for)."""

    def both(e: dict[str, Any], wd: Path, transcript: str) -> bool:
        return read(wd, e[name_key]) is not None and check(e, wd, transcript)

    return both


def words(rng: random.Random, n: int, pool: tuple[str, ...] | None = None) -> list[str]:
    return rng.sample(pool or WORDS, n)


WORDS = (
    "apple",
    "bridge",
    "cobalt",
    "delta",
    "ember",
    "falcon",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kettle",
    "lantern",
    "meadow",
    "nectar",
    "orchid",
    "pepper",
    "quartz",
    "raven",
    "saffron",
    "timber",
    "umber",
    "velvet",
    "willow",
    "xenon",
    "yarrow",
    "zephyr",
    "anchor",
    "basil",
    "cedar",
    "dune",
    "fern",
    "glacier",
    "hazel",
    "iris",
    "jasper",
    "kelp",
    "lotus",
    "maple",
    "nutmeg",
    "olive",
    "pine",
    "quill",
    "reed",
    "sage",
    "thistle",
    "tulip",
    "violet",
)
NAMES = ("Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lena")
