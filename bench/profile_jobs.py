"""skill-profile's wall time with --jobs 1 against --jobs N on the embedded model, and whether
the profiles agree (`skill-profile diff`). Runs alternate (1, N, 1, N, ...) so that a change
in the machine's load falls on both; each run's load average is recorded beside its time.

    python bench/profile_jobs.py [--primitives a,b] [--jobs 2] [--repeats 2] [--timeout 60]
                                 [-o DIR]

Prints a table: per --jobs the runs' wall times, their median, the ratio of the medians, the
1-minute load averages seen, and the diff of every profile against the first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIMITIVES = (
    "tool.file.write,tool.file.read,gen.text.structured,reason.arithmetic,gen.regex,"
    "reason.spatial,tool.exec,gen.code.python,reason.planning,tool.call.format"
)


def _load() -> float:
    return os.getloadavg()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--primitives", default=PRIMITIVES)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "bench" / "out" / "profile_jobs")
    o = parser.parse_args(argv)
    o.out.mkdir(parents=True, exist_ok=True)
    times: dict[int, list[float]] = {1: [], o.jobs: []}
    loads: list[float] = []
    profiles: list[Path] = []
    for repeat in range(o.repeats):
        for jobs in (1, o.jobs):
            out = o.out / f"jobs{jobs}-r{repeat}.json"
            cmd = [sys.executable, "-m", "skillir.tools.skill_profile", "run", "--model"]
            cmd += ["local/smollm2-135m", "--protocol", "json-constrained", "--quick"]
            cmd += ["--primitives", o.primitives, "--timeout", str(o.timeout)]
            cmd += ["--jobs", str(jobs), "--no-progress", "-o", str(out)]
            loads.append(_load())
            began = time.monotonic()
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            wall = time.monotonic() - began
            loads.append(_load())
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            times[jobs].append(wall)
            profiles.append(out)
            print(f"jobs {jobs} repeat {repeat}: {wall:.1f} s", file=sys.stderr)
    diffs = [
        subprocess.run(
            [sys.executable, "-m", "skillir.tools.skill_profile", "diff", str(profiles[0]), str(p)],
            cwd=ROOT,
            capture_output=True,
        ).returncode
        for p in profiles[1:]
    ]
    n = len(o.primitives.split(","))
    print(f"{n} primitives, --quick, {o.repeats} runs per setting, {os.cpu_count()} cores")
    print("| --jobs | runs (s) | median (s) |")
    print("|---|---|---|")
    for jobs, walls in times.items():
        runs = ", ".join(f"{w:.1f}" for w in walls)
        print(f"| {jobs} | {runs} | {statistics.median(walls):.1f} |")
    ratio = statistics.median(times[1]) / statistics.median(times[o.jobs])
    print(f"speed-up (median 1 / median {o.jobs}): {ratio:.2f}")
    print(f"load average (1 min) before/after runs: {min(loads):.2f}-{max(loads):.2f}")
    agree = sum(code == 0 for code in diffs)
    print(f"profiles equal to the first (skill-profile diff): {agree} of {len(diffs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
