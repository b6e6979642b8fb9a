"""The bench's runs on the shared executors (`skillir.executors`): RunSpecs in, run records out,
in completion order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from skillir.bench.runner import RunSpec, run_one
from skillir.executors import map_unordered


def run_local(specs: Sequence[RunSpec], jobs: int) -> Iterator[dict[str, Any]]:
    """Records of `specs`, in completion order, inline (one job) or on `jobs` processes."""
    return map_unordered(run_one, specs, "local", jobs)


def run_ray(
    specs: Sequence[RunSpec], jobs: int, address: str | None = None
) -> Iterator[dict[str, Any]]:
    """Records of `specs` as Ray tasks: on the cluster at `address`, else a local Ray with
    `jobs` CPUs; at most `jobs` in flight."""
    return map_unordered(run_one, specs, "ray", jobs, address)


def execute(
    specs: Sequence[RunSpec], executor: str, jobs: int, address: str | None = None
) -> Iterator[dict[str, Any]]:
    """Records of `specs` on `executor` (`local` or `ray`)."""
    return map_unordered(run_one, specs, executor, jobs, address)
