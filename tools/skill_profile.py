"""`skill-profile`: measure a (model, harness) pair's capability profile.

    skill-profile run --model ID [--harness bare] [--protocol P] [--primitives a,b] [--levels 1,2]
                      [--seed S] [--max-instances N] [--quick] [--budget-tokens T]
                      [--executor local|ray] [--jobs N] [--ray-address ADDR]
                      [--format skillir|skvm] [--resume] -o PROFILE.json
    skill-profile show FILE
    skill-profile diff A B
    skill-profile list [DIR]

Instances run in waves on the executor shared with skill-bench (`--jobs N` at once); the
profile does not depend on --jobs. Exit codes: 0 success (diff: equal), 1 diff found
differences, 2 bad input (unknown model, primitive or file; --executor ray without ray), 3 no
instance could run (a model that errors on every call: sampling stops after its first 3 runs),
130 interrupted (the checkpoint PROFILE.json.partial.jsonl is kept; rerun with --resume).
See docs/profiler.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.executors import ExecutorError, add_arguments, check_arguments
from skillir.profiler.sampler import CAP, QUICK_CAP, QUICK_START, START
from skillir.runtime.llm import DEFAULT_MODEL


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skill-profile", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure a profile")
    run.add_argument("--model", default=DEFAULT_MODEL)
    run.add_argument("--harness", default="bare")
    run.add_argument("--protocol", default="auto", help="auto, native, json, json-constrained")
    run.add_argument("--api-base")
    run.add_argument("--primitives", help="comma-separated primitive ids (default: all 26)")
    run.add_argument("--levels", default="1,2,3")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--max-instances", type=int, help=f"cap per cell (default {CAP})")
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"start {QUICK_START}, cap {QUICK_CAP}; a cell stops once it cannot pass by the cap "
        "(wider intervals); levels above a primitive's first level that does not pass are "
        "skipped (inversions go unseen)",
    )
    run.add_argument("--budget-tokens", type=int)
    run.add_argument("--timeout", type=float, default=120.0, help="seconds per instance")
    run.add_argument("--max-steps", type=int, default=8)
    add_arguments(run, "instances")
    run.add_argument("--format", choices=("skillir", "skvm"), default="skillir")
    run.add_argument("--resume", action="store_true")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument("-o", "--output", required=True, type=Path)
    show = sub.add_parser("show", help="a profile as a table")
    show.add_argument("file", type=Path)
    diff = sub.add_parser("diff", help="compare two profiles")
    diff.add_argument("a", type=Path)
    diff.add_argument("b", type=Path)
    lst = sub.add_parser(
        "list", help="the profiles of a store (default: the user's, then the shipped ones)"
    )
    lst.add_argument("dir", nargs="?", type=Path)
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(f"skill-profile: error: {message}", file=sys.stderr)
    return code


def _primitives(text: str | None) -> tuple[str, ...]:
    if not text:
        return tuple(PRIMITIVE_IDS)
    out = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in out if p not in PRIMITIVE_IDS]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], PRIMITIVE_IDS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown primitive '{unknown[0]}'{hint}")
    return out


def _run(o: argparse.Namespace) -> int:
    from skillir.executors import Pool
    from skillir.profiler.profile import Checkpoint, Plan, build, sample, to_skvm, write_json
    from skillir.profiler.runner import (
        RunnerError,
        Target,
        Work,
        agent_parts,
        protocol_names,
        run_work,
    )
    from skillir.runtime.agent import Limits

    try:
        prims = _primitives(o.primitives)
        levels = tuple(sorted({int(x) for x in o.levels.split(",")}))
        if not set(levels) <= {1, 2, 3}:
            raise ValueError(f"--levels {o.levels}: levels are 1, 2, 3")
    except ValueError as err:
        return _fail(str(err))
    cap = o.max_instances or (QUICK_CAP if o.quick else CAP)
    start = min(QUICK_START if o.quick else START, cap)
    plan = Plan(prims, levels, o.seed, cap, start, o.budget_tokens, o.quick)
    target = Target(o.model, o.harness, o.protocol, o.api_base)
    try:
        llm, protocol = agent_parts(target)  # checked here; --jobs 1 runs on these
    except RunnerError as err:
        return _fail(str(err))
    protocol_name, default_protocol = protocol_names(llm, protocol)
    limits = Limits(max_steps=o.max_steps, timeout_s=o.timeout)
    checkpoint = Checkpoint.open(o.output.with_name(o.output.name + ".partial.jsonl"), o.resume)

    start = time.monotonic()
    stop = _Stop()
    previous = signal.signal(signal.SIGINT, stop.handle)

    def stopped() -> bool:
        return stop.requested() or _model_down(checkpoint.outcomes)

    try:
        with Pool(o.executor, o.jobs, o.ray_address) as pool, _progress(not o.no_progress) as show:

            def run_wave(keys: list[tuple[str, int, int]], halt: Any) -> Any:
                work = [Work(target, limits, *key) for key in keys]
                return pool.map_unordered(run_work, work, halt)

            sample(plan, run_wave, checkpoint, show, stopped)
    except KeyboardInterrupt:
        stop.count += 1
    except ExecutorError as err:
        return _fail(str(err))
    finally:
        signal.signal(signal.SIGINT, previous)
    if stop.count:
        print(
            f"skill-profile: interrupted; {len(checkpoint.outcomes)} instances kept in "
            f"{checkpoint.path} (rerun with --resume)",
            file=sys.stderr,
        )
        return 130
    outcomes = checkpoint.outcomes
    if outcomes and all(x.status in MODEL_FAILURES for x in outcomes):
        return _fail(
            f"every run failed with a model error ({len(outcomes)} runs, stopped), e.g.: "
            f"{outcomes[-1].message}",
            3,
        )
    data = build(
        outcomes,
        plan,
        o.model,
        o.harness,
        protocol_name,
        time.monotonic() - start,
        default_protocol,
        {"max_steps": o.max_steps, "timeout_s": o.timeout, "reply_tokens": limits.reply_tokens},
    )
    write_json(to_skvm(data) if o.format == "skvm" else data, o.output)
    checkpoint.path.unlink(missing_ok=True)
    for err in data["profiler"]["generator_errors"]:
        print(
            f"skill-profile: warning: generator bug in {err['primitive']} L{err['level']} seed "
            f"{err['seed']} (not counted): {err['message']}",
            file=sys.stderr,
        )
    print(_table(data))
    return 0


MODEL_FAILURES = ("model-error", "error")
MODEL_DOWN_AFTER = 3


def _model_down(outcomes: Sequence[Any]) -> bool:
    """Whether the first `MODEL_DOWN_AFTER` runs, and every run since, were model errors."""
    return len(outcomes) >= MODEL_DOWN_AFTER and all(o.status in MODEL_FAILURES for o in outcomes)


class _Stop:
    """Ctrl-C: the first lets the running instances finish (they are checkpointed), then
    stops; a second stops at once (the running instances are lost, the checkpoint kept)."""

    def __init__(self) -> None:
        self.count = 0

    def handle(self, signum: int, frame: object) -> None:
        self.count += 1
        if self.count == 1:
            print(
                "\nskill-profile: stopping after the running instances (Ctrl-C again: now)",
                file=sys.stderr,
            )
            return
        raise KeyboardInterrupt

    def requested(self) -> bool:
        return self.count > 0


class _progress:
    """A rich progress line (primitive, level, runs, current interval), or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return lambda p, lvl, k, n: None
        from rich.progress import Progress, SpinnerColumn, TextColumn

        from skillir.profiler.sampler import wilson

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True)
        self.bar.start()
        task = self.bar.add_task("")

        def show(p: str, lvl: int, k: int, n: int) -> None:
            lo, hi = wilson(k, n)
            self.bar.update(task, description=f"{p} L{lvl}  {k}/{n}  [{lo:.2f}, {hi:.2f}]")

        return show

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


def _load(path: Path) -> dict[str, Any]:
    import json

    from skillir.analysis.cap.profiles import ProfileError, load_profile

    load_profile(path)  # validates; ProfileError with position otherwise
    data = json.loads(path.read_text(encoding="utf-8"))
    if "profiler" not in data:
        raise ProfileError(path, 1, 1, "not written by skill-profile (no 'profiler' block)")
    return data


def _table(data: dict[str, Any]) -> str:
    rows = [f"{data['model']} on {data['harness']} ({data['profiler']['protocol']})"]
    rows.append(f"{'primitive':24} {'level':5}  cells: rate [95% interval] runs")
    for pid, e in data["primitives"].items():
        cells = "  ".join(
            f"{name} {c['rate']:.2f} [{c['interval'][0]:.2f},{c['interval'][1]:.2f}] n={c['runs']}"
            for name, c in e["cells"].items()
        )
        inv = f"  inversion: {','.join(e['inversions'])}" if e["inversions"] else ""
        rows.append(f"{pid:24} L{e['level']:<4}  {cells}{inv}")
    return "\n".join(rows)


def _show(o: argparse.Namespace) -> int:
    from skillir.analysis.cap.profiles import ProfileError

    try:
        print(_table(_load(o.file)))
    except ProfileError as err:
        return _fail(str(err))
    return 0


def _diff(o: argparse.Namespace) -> int:
    from skillir.analysis.cap.profiles import ProfileError

    try:
        a, b = _load(o.a), _load(o.b)
    except ProfileError as err:
        return _fail(str(err))
    rows = []
    for pid in sorted(set(a["primitives"]) | set(b["primitives"])):
        ea, eb = a["primitives"].get(pid, {}), b["primitives"].get(pid, {})
        ca, cb = ea.get("cells", {}), eb.get("cells", {})
        for cell in sorted(set(ca) | set(cb)):
            pa = (ca.get(cell, {}).get("passes"), ca.get(cell, {}).get("runs"))
            pb = (cb.get(cell, {}).get("passes"), cb.get(cell, {}).get("runs"))
            if pa != pb:
                rows.append(f"{pid:24} {cell}  {pa[0]}/{pa[1]}  vs  {pb[0]}/{pb[1]}")
        if ea.get("level") != eb.get("level"):
            rows.append(f"{pid:24} level  L{ea.get('level')}  vs  L{eb.get('level')}")
    if not rows:
        print("profiles agree: same levels and pass counts")
        return 0
    print("\n".join([f"{'primitive':24} cell  A  vs  B", *rows]))
    return 1


def _list(o: argparse.Namespace) -> int:
    from skillir.analysis.cap.profiles import open_store

    store = open_store(o.dir)
    stores = [store, *([store.fallback] if store.fallback is not None else [])]
    for one in stores:
        for p in one.profiles:
            protocol = p.provenance.get("protocol", "")
            print(f"{p.model}\t{p.harness}\t{p.provenance.get('format', '')}\t{protocol}\t{p.path}")
        for err in one.errors:
            print(err, file=sys.stderr)
    return 0


def main(args: Sequence[str] | None = None) -> int:
    parser = _parser()
    o = parser.parse_args(args)
    if o.command == "run":
        check_arguments(parser, o)
    return {"run": _run, "show": _show, "diff": _diff, "list": _list}[o.command](o)


if __name__ == "__main__":
    sys.exit(main())
