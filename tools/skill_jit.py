"""`skill-jit`: mine solidified programs from run traces, and look after the candidate store.

    skill-jit mine TRACE_DIR... [-o STORE] [--min-runs 3]
    skill-jit list [STORE]
    skill-jit show ID [--store STORE]
    skill-jit forget ID [--store STORE]

STORE defaults to $SKILLIR_JIT_STORE, else ~/.local/share/skillir/jit. A TRACE_DIR is a run's
trace directory (`trace.jsonl`, `summary.json`) or a folder holding several. `skill-run --jit
STORE` runs promoted candidates before the model (docs/jit.md). Exit 0 on success, 1 when an
ID is unknown or a store file is broken, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from skillir.runtime.jit import store
from skillir.version import PrintVersion


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skill-jit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=PrintVersion)
    sub = parser.add_subparsers(dest="command", required=True)
    mine = sub.add_parser("mine", help="mine and validate candidates from traces")
    mine.add_argument("traces", type=Path, nargs="+", metavar="TRACE_DIR")
    mine.add_argument("-o", "--store", type=Path, default=None, help="the store to write")
    mine.add_argument("--min-runs", type=int, default=3, help="aligned runs a candidate needs")
    listing = sub.add_parser("list", help="the candidates of a store")
    listing.add_argument("store", type=Path, nargs="?", default=None)
    for name, text in (
        ("show", "a candidate: program, parameters, evidence"),
        ("forget", "remove a candidate"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("id")
        command.add_argument("--store", type=Path, default=None)
    return parser


def _mine(options: argparse.Namespace, root: Path) -> int:
    from skillir.runtime.jit.validate import mine_into

    missing = [str(t) for t in options.traces if not t.is_dir()]
    if missing:
        print(f"skill-jit: error: not a directory: {missing[0]}", file=sys.stderr)
        return 2
    if options.min_runs < 3:
        print(
            "skill-jit: error: --min-runs must be at least 3 (two to mine, one held out)",
            file=sys.stderr,
        )
        return 2
    candidates, skipped = mine_into(options.traces, root, options.min_runs)
    for c in candidates:
        params = ", ".join(f"{p['name']}:{p['type']}" for p in c["parameters"]) or "none"
        runs = len(c["evidence"]["runs"])
        print(f"{c['id']}: {c['status']} ({runs} runs; parameters {params})")
        for reason in c["evidence"]["rejected"]:
            print(f"  rejected: {reason}")
    reasons: dict[str, int] = {}
    for s in skipped:
        reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"skipped {n} run(s): {reason}")
    print(f"store: {root}")
    return 0


def _list(root: Path) -> int:
    for path in store.files(root):
        data = store.read(path)
        key = data["key"]
        digest = key["skill_digest"][:19]
        print(f"{path.name}: {key['skill']} {digest} {key['model']} {key['harness']}")
        for c in data["candidates"]:
            stats = c.get("stats", {})
            print(
                f"  {c['id']}  {c['status']}  runs {len(c['evidence']['runs'])}  "
                f"fired {stats.get('fired', 0)}  failures {stats.get('failures', 0)}"
            )
    return 0


def main(args: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(args)
    root = getattr(options, "store", None) or store.default_store()
    try:
        if options.command == "mine":
            return _mine(options, root)
        if options.command == "list":
            return _list(root)
        found = store.find(root, options.id)
        if found is None:
            print(f"skill-jit: error: no candidate {options.id!r} in {root}", file=sys.stderr)
            return 1
        path, candidate = found
        if options.command == "show":
            print(json.dumps(candidate, indent=2, ensure_ascii=False))
            return 0
        store.update(root, path, options.id, lambda c: None)
        print(f"forgot {options.id}")
        return 0
    except store.StoreError as err:
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
