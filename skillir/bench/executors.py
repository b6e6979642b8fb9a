"""Executors: run RunSpecs and yield their records as they finish. `local`: inline for one job,
else a process pool; `ray`: Ray tasks on a local or existing cluster (extra `.[ray]`)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from skillir.bench.runner import RunSpec, run_one

EXECUTORS = ("local", "ray")


class ExecutorError(Exception):
    """The executor cannot start (e.g. ray is not installed)."""


def default_jobs() -> int:
    """Runs at once on this machine: one per two cores (the model's threads need the rest)."""
    return max(1, (os.cpu_count() or 2) // 2)


def run_local(specs: Sequence[RunSpec], jobs: int) -> Iterator[dict[str, Any]]:
    """Records of `specs`, in completion order, on `jobs` worker processes."""
    if jobs <= 1:
        for spec in specs:
            yield run_one(spec)
        return
    context = multiprocessing.get_context("spawn")  # no inherited model threads or locks
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        pending = {pool.submit(run_one, spec) for spec in specs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


def run_ray(
    specs: Sequence[RunSpec], jobs: int, address: str | None = None
) -> Iterator[dict[str, Any]]:
    """Records of `specs` as Ray tasks: on the cluster at `address`, else a local Ray with
    `jobs` CPUs."""
    try:
        import ray
    except ImportError:
        raise ExecutorError("--executor ray needs ray: pip install 'skillir[ray]'") from None
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1)(run_one)
        pending = [remote.remote(spec) for spec in specs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()


def execute(
    specs: Sequence[RunSpec], executor: str, jobs: int, address: str | None = None
) -> Iterator[dict[str, Any]]:
    if executor == "ray":
        return run_ray(specs, jobs, address)
    return run_local(specs, jobs)
