"""Profile the embedded model (local/smollm2-135m, bare harness) under both JSON protocols and
report the two processors: per primitive the effective level and each cell's rate [Wilson 95 %]
and runs, wall time and tokens per profile, instances per cell, inversions, the primitives that
take the time, `skill-profile diff`, and how many corpus skills compile differently for the two.

    python bench/profile_embedded.py run [--quick] [--primitives a,b] [--levels 1,2,3]
                                         [--resume] [-o DIR]
    python bench/profile_embedded.py report [DIR] [--corpus DIR]
    python bench/profile_embedded.py seeds --primitives a,b [--levels 1] [-n 4]
                                           [--seed-a 0] [--seed-b 1000]

`run` writes DIR/smollm2-135m__PROTOCOL.json (default DIR: bench/out/profiles) and appends each
profile's wall time to DIR/times.jsonl; `report` reads them. The shipped profiles
(skillir/data/profiles/) were made with `run --quick` and copied there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROTOCOLS = ("json-constrained", "json")
MODEL = "local/smollm2-135m"
CORPUS = ROOT.parent / "shared" / "corpus"


def _path(out: Path, protocol: str) -> Path:
    return out / f"smollm2-135m__{protocol}.json"


def run(o: argparse.Namespace) -> int:
    """Profile under each protocol in turn; append the wall times to times.jsonl."""
    for protocol in PROTOCOLS:
        cmd = [sys.executable, "-m", "skillir.tools.skill_profile", "run", "--model", MODEL,
               "--protocol", protocol, "--levels", o.levels, "--max-steps", "4",
               "--no-progress", "-o", str(_path(o.out, protocol))]  # fmt: skip
        cmd += ["--primitives", o.primitives] if o.primitives else []
        cmd += ["--quick"] if o.quick else []
        cmd += ["--resume"] if o.resume else []
        start = time.monotonic()
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        record = {"protocol": protocol, "rc": done.returncode, "wall_s": time.monotonic() - start}
        with (o.out / "times.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if done.returncode != 0:
            return done.returncode
    return 0


def _cell(c: dict[str, Any]) -> str:
    lo, hi = c["interval"]
    return f"{c['passes']}/{c['runs']} [{lo:.2f},{hi:.2f}]"


def _summary(protocol: str, data: dict[str, Any]) -> list[str]:
    """Wall time, tokens, instances per cell, inversions, the primitives taking the time."""
    prof = data["profiler"]
    prims = data["primitives"]
    cells = [c for e in prims.values() for c in e["cells"].values()]
    per_cell = Counter(c["runs"] for c in cells)
    by_time = sorted(
        ((sum(c["wall_s"] for c in e["cells"].values()), pid) for pid, e in prims.items()),
        reverse=True,
    )
    total = sum(t for t, _ in by_time) or 1.0
    inversions = [
        f"{pid} {','.join(e['inversions'])}" for pid, e in prims.items() if e["inversions"]
    ]
    statuses: Counter[str] = Counter()
    for c in cells:
        statuses.update(c["statuses"])
    return [
        f"### {protocol}",
        f"- instances: {sum(c['runs'] for c in cells)} in {len(cells)} cells; runs per cell: "
        + ", ".join(f"{n} runs x{k}" for n, k in sorted(per_cell.items())),
        f"- time in instances: {total:.0f} s; tokens: {prof['tokens']}; "
        f"statuses: {dict(sorted(statuses.items()))}",
        f"- inversions: {', '.join(inversions) or 'none'} (quick: {prof.get('quick', False)})",
        "- most time: " + ", ".join(f"{pid} {t:.0f} s ({t / total:.0%})" for t, pid in by_time[:5]),
        f"- levels: {dict(sorted(Counter(e['level'] for e in prims.values()).items()))}",
    ]


def _compile(skill: Path, profile: Path, out: Path) -> bytes:
    """`skill-translate SKILL --target=bare --profile PROFILE -o OUT`: every file it wrote, or
    its error output, as one byte string to compare."""
    from skillir.tools import skill_translate

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = skill_translate.main(
            [str(skill), "--target=bare", "--profile", str(profile), "-o", str(out), "-q"]
        )
    if code != 0:
        return f"exit {code}: {err.getvalue()}".encode()
    parts = [
        f.relative_to(out).as_posix().encode() + b"\0" + f.read_bytes()
        for f in sorted(out.rglob("*"))
        if f.is_file()
    ]
    return b"\0\0".join(parts)


def corpus_difference(a: Path, b: Path, corpus: Path) -> tuple[int, list[str]]:
    """How many corpus skills there are, and which compile differently under profiles a, b."""
    skills = sorted(p.parent for p in corpus.rglob("SKILL.md"))
    differ = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, skill in enumerate(skills):
            one = _compile(skill, a, Path(scratch) / f"{index}a")
            two = _compile(skill, b, Path(scratch) / f"{index}b")
            if one != two:
                differ.append(str(skill.relative_to(corpus)))
    return len(skills), differ


def report(o: argparse.Namespace) -> int:
    paths = {p: _path(o.dir, p) for p in PROTOCOLS}
    data = {p: json.loads(path.read_text(encoding="utf-8")) for p, path in paths.items()}
    print("| primitive | " + " | ".join(PROTOCOLS) + " |")
    print("|---|" + "---|" * len(PROTOCOLS))
    for pid in data[PROTOCOLS[0]]["primitives"]:
        row = []
        for p in PROTOCOLS:
            e = data[p]["primitives"].get(pid)
            cells = " ".join(f"{k} {_cell(c)}" for k, c in e["cells"].items()) if e else ""
            row.append(f"**L{e['level']}** {cells}" if e else "")
        print(f"| {pid} | " + " | ".join(row) + " |")
    print()
    times = o.dir / "times.jsonl"
    if times.exists():
        for line in times.read_text(encoding="utf-8").splitlines():
            t = json.loads(line)
            print(f"- wall time, {t['protocol']}: {t['wall_s']:.0f} s (exit {t['rc']})")
    for p in PROTOCOLS:
        print("\n".join(_summary(p, data[p])))
    diff = subprocess.run(
        [sys.executable, "-m", "skillir.tools.skill_profile", "diff", *map(str, paths.values())],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(f"\n### skill-profile diff (exit {diff.returncode})\n```\n{diff.stdout.strip()}\n```")
    if o.corpus.is_dir():
        total, differ = corpus_difference(*paths.values(), o.corpus)
        print(f"\n### corpus: {len(differ)} of {total} skills compile differently for bare")
        for name in differ:
            print(f"- {name}")
    return 0


def seeds(o: argparse.Namespace) -> int:
    """Profile the same cells with two seeds (json-constrained, fixed instances per cell) and
    count the cells whose rate falls outside the other run's interval."""
    runs = {}
    for seed in (o.seed_a, o.seed_b):
        path = o.out / f"seeds__{seed}.json"
        cmd = [sys.executable, "-m", "skillir.tools.skill_profile", "run", "--model", MODEL,
               "--protocol", "json-constrained", "--primitives", o.primitives, "--levels",
               o.levels, "--seed", str(seed), "--max-instances", str(o.n), "--max-steps", "4",
               "--no-progress", "-o", str(path)]  # fmt: skip
        start = time.monotonic()
        subprocess.run([*cmd, *(["--resume"] if o.resume else [])], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"seed {seed}: {time.monotonic() - start:.0f} s")
        runs[seed] = json.loads(path.read_text(encoding="utf-8"))["primitives"]
    a, b = runs[o.seed_a], runs[o.seed_b]
    print(f"| cell | seed {o.seed_a} | seed {o.seed_b} | inside each other's interval |")
    print("|---|---|---|---|")
    differ = total = 0
    for pid in a:
        for cell, ca in a[pid]["cells"].items():
            cb = b[pid]["cells"].get(cell)
            if cb is None:
                continue
            inside = (
                ca["interval"][0] <= cb["rate"] <= ca["interval"][1]
                and cb["interval"][0] <= ca["rate"] <= cb["interval"][1]
            )
            total += 1
            differ += not inside
            print(f"| {pid} {cell} | {_cell(ca)} | {_cell(cb)} | {'yes' if inside else 'NO'} |")
    print(f"\n{differ} of {total} cells differ (a rate outside the other seed's interval)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--primitives", default="")
    r.add_argument("--levels", default="1,2,3")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--resume", action="store_true")
    r.add_argument("-o", "--out", type=Path, default=ROOT / "bench" / "out" / "profiles")
    s = sub.add_parser("report")
    s.add_argument("dir", nargs="?", type=Path, default=ROOT / "bench" / "out" / "profiles")
    s.add_argument("--corpus", type=Path, default=CORPUS)
    d = sub.add_parser("seeds")
    d.add_argument("--primitives", required=True)
    d.add_argument("--levels", default="1")
    d.add_argument("-n", type=int, default=4, help="instances per cell")
    d.add_argument("--seed-a", type=int, default=0)
    d.add_argument("--seed-b", type=int, default=1000)
    d.add_argument("--resume", action="store_true")
    d.add_argument("-o", "--out", type=Path, default=ROOT / "bench" / "out" / "profiles")
    o = parser.parse_args()
    if o.command == "seeds":
        return seeds(o)
    if o.command == "run":
        o.out.mkdir(parents=True, exist_ok=True)
        return run(o)
    return report(o)


if __name__ == "__main__":
    sys.exit(main())
