"""Profile the embedded model (local/smollm2-135m, bare harness) under both JSON protocols and
print a markdown table: rate [Wilson 95 %] and runs per cell, wall time and tokens per profile.

    .venv/bin/python bench/profile_embedded.py [--primitives a,b] [--levels 1,2,3]
                                               [--max-instances N] [-o DIR]

Writes DIR/smollm2-135m__PROTOCOL.json (default DIR: bench/out). A full profile (26 x 3 cells)
takes hours on 2 cores; pass a subset for a quick look.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PROTOCOLS = ("json-constrained", "json")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--primitives", default="tool.file.write,tool.file.read,follow.format")
    parser.add_argument("--levels", default="1")
    parser.add_argument("--max-instances", default="4")
    parser.add_argument("-o", "--out", type=Path, default=Path("bench/out"))
    o = parser.parse_args()
    rows: dict[str, dict[str, str]] = {}
    totals = []
    for protocol in PROTOCOLS:
        path = o.out / f"smollm2-135m__{protocol}.json"
        start = time.monotonic()
        cmd = [sys.executable, "-m", "skillir.tools.skill_profile", "run", "--model",
               "local/smollm2-135m", "--protocol", protocol, "--primitives", o.primitives,
               "--levels", o.levels, "--max-instances", o.max_instances, "--timeout", "60",
               "--max-steps", "4", "--no-progress", "-o", str(path)]  # fmt: skip
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        data = json.loads(path.read_text(encoding="utf-8"))
        totals.append((protocol, wall, data["profiler"]["tokens"]))
        for pid, entry in data["primitives"].items():
            for cell, c in entry["cells"].items():
                lo, hi = c["interval"]
                rows.setdefault(f"{pid} {cell}", {})[protocol] = (
                    f"{c['passes']}/{c['runs']} = {c['rate']:.2f} [{lo:.2f}, {hi:.2f}]"
                )
            rows.setdefault(f"{pid} level", {})[protocol] = f"L{entry['level']}"
    print("| cell | " + " | ".join(PROTOCOLS) + " |")
    print("|---|" + "---|" * len(PROTOCOLS))
    for cell, by in rows.items():
        print(f"| {cell} | " + " | ".join(by.get(p, "") for p in PROTOCOLS) + " |")
    print()
    for protocol, wall, tokens in totals:
        print(f"{protocol}: wall {wall:.0f} s, {tokens} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
