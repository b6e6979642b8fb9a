"""Generators: all 26 primitives x L1-L3, byte-identical per seed, ground truth at every level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.profiler.base import ANSWER, Task
from skillir.profiler.generators import GENERATORS, LEVELS, UnknownPrimitive, make_instance

CELLS = [(p, lvl) for p in PRIMITIVE_IDS for lvl in LEVELS]
SEEDS = range(8)

DIGESTS = (
    "import hashlib\n"
    "from skillir.profiler.generators import GENERATORS, LEVELS, make_instance\n"
    "h = hashlib.sha256()\n"
    "for p in sorted(GENERATORS):\n"
    "    for lvl in LEVELS:\n"
    "        for s in range(3):\n"
    "            h.update(make_instance(p, lvl, s).canonical())\n"
    "print(h.hexdigest())\n"
)


def _solve(task: Task, solution: dict[str, str], workdir: Path) -> bool:
    """Stage the fixtures and a solution's files in `workdir`, then run the checker."""
    for name, content in {**task.files, **solution}.items():
        if name == ANSWER:
            continue
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return task.check(task.expect, workdir, solution.get(ANSWER, ""))


def test_every_catalog_primitive_has_a_generator() -> None:
    assert sorted(GENERATORS) == sorted(PRIMITIVE_IDS)
    assert len(CELLS) == 78


@pytest.mark.parametrize(("primitive", "level"), CELLS)
def test_reference_passes_and_wrong_solutions_fail(
    primitive: str, level: int, tmp_path: Path
) -> None:
    prompts = set()
    for seed in SEEDS:
        instance = make_instance(primitive, level, seed)
        task = instance.task
        prompts.add(instance.digest())
        assert _solve(task, task.reference, tmp_path / f"ref{seed}"), (
            f"seed {seed}: reference fails"
        )
        assert task.wrong, "no wrong solution"
        for k, wrong in enumerate(task.wrong):
            assert not _solve(task, wrong, tmp_path / f"wrong{seed}-{k}"), (
                f"seed {seed}: wrong {k} passes"
            )
        assert not set(task.reference) & set(task.files), "a solution overwrites a fixture"
    assert len(prompts) >= 2, "the seed draws no parameters (all instances alike)"


def test_instances_are_identical_across_processes() -> None:
    runs = {
        subprocess.run(
            [sys.executable, "-c", DIGESTS], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1 and len(runs.pop().strip()) == 64


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    a, b = make_instance("tool.file.read", 3, 5), make_instance("tool.file.read", 3, 5)
    assert a.canonical() == b.canonical()
    assert make_instance("tool.file.read", 3, 6).digest() != a.digest()


def test_unknown_primitive_and_level() -> None:
    with pytest.raises(UnknownPrimitive):
        make_instance("gen.code.cobol", 1, 0)
    with pytest.raises(ValueError, match="not one of"):
        make_instance("gen.regex", 4, 0)
