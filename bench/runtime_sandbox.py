"""Cost of confining a command: median milliseconds per `true` run through `Sandbox.run`, per
sandbox level, against a bare `bash -c true` on the host (same output capture, no confinement).

    python bench/runtime_sandbox.py [--repeats 200]

Prints a table (median, p99, ratio to bare). A level this machine lacks is reported as such.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from skillir.runtime.confine import bubblewrap_works, landlock_abi
from skillir.runtime.sandbox import Sandbox, SandboxError


def timings(run: Callable[[], object], repeats: int) -> list[float]:
    """Milliseconds per call of `run`, after two warm-up calls."""
    for _ in range(2):
        run()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bare(work: Path) -> None:
    subprocess.run(
        ["bash", "-c", "true"], cwd=work, stdin=subprocess.DEVNULL, capture_output=True, check=True
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    options = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        work = Path(folder)
        base = statistics.median(timings(lambda: bare(work), options.repeats))
        rows.append(("bare host (bash -c true)", f"{base:.2f}", "", "1.00x"))
        available = {"bubblewrap": bubblewrap_works(), "landlock": landlock_abi() >= 1}
        for level in ("bubblewrap", "landlock", "unsafe-host"):
            if level != "unsafe-host" and not available[level]:
                rows.append((level, "n/a", "n/a", "not available here"))
                continue
            try:
                box = Sandbox(work, level=level, unsafe_host=True)
            except SandboxError as err:
                rows.append((level, "n/a", "n/a", str(err)))
                continue
            samples = timings(lambda box=box: box.run(["true"], 30), options.repeats)
            box.close()
            median = statistics.median(samples)
            p99 = sorted(samples)[int(0.99 * (len(samples) - 1))]
            rows.append((level, f"{median:.2f}", f"{p99:.2f}", f"{median / base:.2f}x"))
    print(f"| level | median ms | p99 ms | vs bare | ({options.repeats} runs of `true`)")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
