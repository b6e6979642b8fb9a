"""Executors shared by `skill-bench` and `skill-profile`: run a picklable top-level callable
over picklable items and yield its results in completion order.

`local`: inline for one job, else `jobs` spawned worker processes; `ray`: Ray tasks on a local
Ray with `jobs` CPUs or on the cluster at an address (extra `.[ray]`). A `Pool` is opened once
and mapped over many times, so workers, and whatever they cache per process (a loaded model),
outlive one map. At most `jobs` items are in flight; once `halt()` says so no more start, and
those in flight finish. Workers ignore SIGINT, so the caller decides what Ctrl-C means: a
`KeyboardInterrupt` leaving the pool terminates them at once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

EXECUTORS = ("local", "ray")

T = TypeVar("T")
R = TypeVar("R")


class ExecutorError(Exception):
    """The executor cannot start (e.g. ray is not installed)."""


def default_jobs() -> int:
    """Runs at once on this machine: one per two cores (the model's threads need the rest)."""
    return max(1, (os.cpu_count() or 2) // 2)


def add_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """The executor flags, worded the same in every tool (`what`: the unit of work, plural)."""
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help=f"where {what} run: local (inline for --jobs 1, else worker processes) or ray",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help=f"{what} at once (default: one per two cores, here {default_jobs()})",
    )
    parser.add_argument(
        "--ray-address", help="an existing Ray cluster (default: a local Ray with --jobs CPUs)"
    )


def check_arguments(parser: argparse.ArgumentParser, options: argparse.Namespace) -> None:
    """Usage errors (exit 2) for the executor flags: a non-positive --jobs, --ray-address
    without --executor ray, --executor ray without ray installed."""
    if options.jobs <= 0:
        parser.error("--jobs must be positive")
    if options.ray_address and options.executor != "ray":
        parser.error("--ray-address needs --executor ray")
    if options.executor == "ray":
        try:
            _ray()
        except ExecutorError as err:
            parser.error(str(err))


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ExecutorError("--executor ray needs ray: pip install 'skillir[ray]'") from None
    return ray


def _start_worker(cores: int) -> None:
    """A worker process: Ctrl-C is the parent's to handle, and the embedded model uses only
    this worker's share of the cores (`SKILLIR_LOCAL_CORES`, read by `skillir.runtime.local`),
    so that N workers do not each take every core."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["SKILLIR_LOCAL_CORES"] = str(cores)


class Pool:
    """Where work runs (see the module docstring); a context manager."""

    def __init__(self, executor: str = "local", jobs: int = 1, address: str | None = None):
        if executor not in EXECUTORS:
            raise ExecutorError(f"unknown executor '{executor}' (known: {', '.join(EXECUTORS)})")
        self.executor = executor
        self.jobs = max(1, jobs)
        self.address = address
        self._workers: ProcessPoolExecutor | None = None
        self._ray: Any = None
        self._started_ray = False

    def __enter__(self) -> Pool:
        if self.executor == "ray":
            self._ray = _ray()
            if not self._ray.is_initialized():
                try:
                    if self.address:
                        self._ray.init(address=self.address, log_to_driver=False)
                    else:
                        self._ray.init(
                            num_cpus=self.jobs, include_dashboard=False, log_to_driver=False
                        )
                except Exception as err:  # ConnectionError, RuntimeError, ValueError, ...
                    where = f"the Ray cluster at {self.address}" if self.address else "Ray"
                    raise ExecutorError(f"cannot start {where}: {err}") from None
                self._started_ray = True
        elif self.jobs > 1:
            self._workers = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),  # no inherited model threads
                initializer=_start_worker,
                initargs=(max(1, (os.cpu_count() or 2) // self.jobs),),
            )
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if self._workers is not None:
            if kind is None:
                self._workers.shutdown(wait=True)
            else:  # an error or Ctrl-C: do not wait for the running items (3.14 has a public
                # terminate_workers(); before it, the workers are only in `_processes`)
                processes = list((self._workers._processes or {}).values())
                self._workers.shutdown(wait=False, cancel_futures=True)
                for process in processes:
                    process.terminate()
            self._workers = None
        if self._started_ray:
            self._ray.shutdown()
            self._started_ray = False

    def map_unordered(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        halt: Callable[[], bool] = lambda: False,
    ) -> Iterator[R]:
        """`fn(item)` for each item, yielded as each finishes; none starts once `halt()`."""
        if self.executor == "ray":
            return self._map_ray(fn, items, halt)
        if self._workers is None:
            return (fn(item) for item in items if not halt())
        return self._map_processes(self._workers, fn, items, halt)

    def _map_processes(
        self,
        pool: ProcessPoolExecutor,
        fn: Callable[[T], R],
        items: Iterable[T],
        halt: Callable[[], bool],
    ) -> Iterator[R]:
        todo = iter(items)
        pending: set[Future[R]] = set()
        while True:
            while len(pending) < self.jobs and not halt():
                item = next(todo, _END)
                if item is _END:
                    break
                pending.add(pool.submit(fn, item))  # type: ignore[arg-type]
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def _map_ray(
        self, fn: Callable[[T], R], items: Iterable[T], halt: Callable[[], bool]
    ) -> Iterator[R]:
        ray = self._ray
        remote = ray.remote(num_cpus=1)(fn)
        todo = iter(items)
        pending: list[Any] = []
        while True:
            while len(pending) < self.jobs and not halt():
                item = next(todo, _END)
                if item is _END:
                    break
                pending.append(remote.remote(item))
            if not pending:
                return
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)


_END: Any = object()


def map_unordered(
    fn: Callable[[T], R],
    items: Iterable[T],
    executor: str = "local",
    jobs: int = 1,
    address: str | None = None,
) -> Iterator[R]:
    """`fn(item)` for each item on a pool opened for this map alone, in completion order."""
    with Pool(executor, jobs, address) as pool:
        yield from pool.map_unordered(fn, items)
