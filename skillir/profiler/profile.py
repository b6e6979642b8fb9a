"""Drive the sampling of a profile, checkpoint it, and write our profile format.

The file is a `skillir-profile` (version 1, readable by
`skillir.analysis.cap.profiles.load_profile`, so by
`bind-target`, `compile` and the profile store) with a `profiler` block and, per primitive, the
measured `cells`: passes, runs, rate, Wilson interval, verdict, seeds, tokens, seconds, cost and
the statuses of the runs. The format is documented in docs/profiler.md.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.analysis.cap.profiles import FORMAT, FORMAT_VERSION, canonical_harness
from skillir.profiler.base import GENERATOR_VERSION
from skillir.profiler.runner import Outcome
from skillir.profiler.sampler import (
    CAP,
    START,
    THRESHOLD,
    Verdict,
    effective_level,
    pass_reachable,
    verdict,
    wilson,
)

CATALOG_VERSION = "skillir-catalog/1"


@dataclass
class Plan:
    """What to measure: primitives, levels, the first seed, the cap, a token budget, and
    `quick`: a cell stops as soon as a pass is out of reach within the cap (its verdict is
    then `uncertain`, its interval wide), and a primitive's levels above its first level that
    does not pass are skipped (they cannot raise the effective level; inversions go unseen)."""

    primitives: tuple[str, ...]
    levels: tuple[int, ...] = (1, 2, 3)
    seed: int = 0
    cap: int = CAP
    start: int = START
    budget_tokens: int | None = None
    quick: bool = False


@dataclass
class Checkpoint:
    """The outcomes so far, appended one JSON line per finished instance (fsync'd)."""

    path: Path
    outcomes: list[Outcome] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, resume: bool) -> Checkpoint:
        cp = cls(path)
        if resume and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    cp.outcomes.append(Outcome(**json.loads(line)))
        elif path.exists():
            path.unlink()
        return cp

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(outcome)) + "\n")
            f.flush()
            os.fsync(f.fileno())


def cell_outcomes(outcomes: Iterable[Outcome], primitive: str, level: int) -> list[Outcome]:
    """A cell's counted outcomes (checker errors are generator bugs: not counted)."""
    return [
        o for o in outcomes if o.primitive == primitive and o.level == level and not o.checker_error
    ]


Key = tuple[str, int, int]  # (primitive, level, seed): one instance
# Runs a wave of instances, yielding their outcomes as they finish; none starts once halt().
RunWave = Callable[[list[Key], Callable[[], bool]], Iterable[Outcome]]


def sample(
    plan: Plan,
    run_wave: RunWave,
    checkpoint: Checkpoint,
    progress: Callable[[str, int, int, int], None] = lambda p, lvl, k, n: None,
    stopped: Callable[[], bool] = lambda: False,
) -> None:
    """Sample every cell of `plan` until its verdict is final, in waves. Each wave, every open
    cell asks for the fewest next seeds after which it could end (`plan.start` at first, then
    one at a time; seeds `plan.seed`, `plan.seed + 1`, ... not yet tried), `run_wave` runs them
    all, each outcome goes to the checkpoint as it finishes, then the verdicts are recomputed.
    A cell therefore gets the seeds and verdict that sampling it one instance at a time would
    give, whatever the order in which a wave finishes: the profile does not depend on how many
    instances run at once. In quick mode a primitive's next level opens once its level passes.
    Outcomes already in the checkpoint are reused. Stops when the token budget is spent or
    `stopped()` says so; the instances running then finish and are kept."""

    def halt() -> bool:
        budget = plan.budget_tokens
        return stopped() or (budget is not None and spent(checkpoint) >= budget)

    while True:
        keys = [key for p in plan.primitives for key in _wanted(plan, checkpoint, p)]
        if not keys or halt():
            return
        for outcome in run_wave(keys, halt):
            checkpoint.add(outcome)
            done = cell_outcomes(checkpoint.outcomes, outcome.primitive, outcome.level)
            progress(outcome.primitive, outcome.level, sum(o.passed for o in done), len(done))


def _wanted(plan: Plan, checkpoint: Checkpoint, primitive: str) -> list[Key]:
    """The instances `primitive` asks for in the next wave: the next seeds of each open level
    (in quick mode only of its lowest level that has not passed; none once a level ends
    without passing)."""
    keys: list[Key] = []
    for level in plan.levels:
        cell = (primitive, level)
        tried = {o.seed for o in checkpoint.outcomes if (o.primitive, o.level) == cell}
        done = cell_outcomes(checkpoint.outcomes, primitive, level)
        passes, runs = sum(o.passed for o in done), len(done)
        if _ended(plan, passes, runs):
            found = verdict(passes, runs, THRESHOLD, plan.start, plan.cap)
            if plan.quick and found is not Verdict.PASS:
                break
            continue
        free = (s for s in range(plan.seed, plan.seed + 3 * plan.cap) if s not in tried)
        seeds = list(itertools.islice(free, _needed(plan, passes, runs)))
        if not seeds and plan.quick:  # only checker errors left: the cell is given up
            break
        keys += [(primitive, level, seed) for seed in seeds]
        if plan.quick:
            break
    return keys


def _ended(plan: Plan, passes: int, runs: int) -> bool:
    """Whether a cell with these counts samples no more. Quick mode stops a cell once a pass
    is out of reach, after at least one run (with a cap under 6 no count can pass)."""
    if verdict(passes, runs, THRESHOLD, plan.start, plan.cap) is not Verdict.MORE:
        return True
    return plan.quick and runs > 0 and not pass_reachable(passes, runs, plan.cap)


def _needed(plan: Plan, passes: int, runs: int) -> int:
    """The fewest further runs after which an open cell could end (one at a time, it would
    run at least these)."""
    more = 1
    while not any(_ended(plan, passes + k, runs + more) for k in range(more + 1)):
        more += 1
    return more


def spent(checkpoint: Checkpoint) -> int:
    return sum(o.tokens for o in checkpoint.outcomes)


def build(
    outcomes: list[Outcome],
    plan: Plan,
    model: str,
    harness: str,
    protocol: str,
    wall_s: float,
    default_protocol: bool = True,
    limits: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The profile JSON of `outcomes`, measured under `protocol` (`default_protocol`: the one
    the runtime picks for the model unless told otherwise; the store prefers such profiles)
    with the agent's `limits` per instance (max_steps, timeout_s, reply_tokens)."""
    prims: dict[str, Any] = {}
    generator_errors = [
        {"primitive": o.primitive, "level": o.level, "seed": o.seed, "message": o.message}
        for o in sorted(outcomes, key=lambda o: (o.primitive, o.level, o.seed))
        if o.checker_error
    ]
    for pid in PRIMITIVE_IDS:
        if pid not in plan.primitives:
            continue
        cells: dict[str, Any] = {}
        verdicts: dict[int, Verdict] = {}
        for level in plan.levels:
            got = cell_outcomes(outcomes, pid, level)
            if not got:
                continue
            k, n = sum(o.passed for o in got), len(got)
            v = verdict(k, n, THRESHOLD, plan.start, plan.cap)
            v = Verdict.UNCERTAIN if v is Verdict.MORE else v  # cut short (budget or a kill)
            verdicts[level] = v
            lo, hi = wilson(k, n)
            costs = [o.cost_usd for o in got]
            statuses: dict[str, int] = {}
            for o in got:
                statuses[o.status] = statuses.get(o.status, 0) + 1
            cells[f"L{level}"] = {
                "passes": k,
                "runs": n,
                "rate": round(k / n, 4),
                "interval": [round(lo, 4), round(hi, 4)],
                "verdict": str(v),
                "seeds": sorted(o.seed for o in got),
                "tokens": sum(o.tokens for o in got),
                "wall_s": round(sum(o.wall_s for o in got), 3),
                "cost_usd": None if None in costs else round(sum(c or 0.0 for c in costs), 6),
                "statuses": dict(sorted(statuses.items())),
            }
        eff = effective_level(verdicts)
        prims[pid] = {
            "level": eff.level,
            "recorded": max((lvl for lvl, v in verdicts.items() if v is Verdict.PASS), default=0),
            "evidence": [
                {
                    "level": lvl,
                    "passed": verdicts[lvl] is Verdict.PASS,
                    "passCount": cells[f"L{lvl}"]["passes"],
                    "totalCount": cells[f"L{lvl}"]["runs"],
                }
                for lvl in sorted(verdicts)
            ],
            "inversions": [f"L{lvl}" for lvl in eff.inversions],
            "cells": cells,
        }
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "harness": canonical_harness(harness),
        "model": model,
        "catalog_version": CATALOG_VERSION,
        "provenance": {
            "source": "skill-profile",
            "profiledAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "format": FORMAT,
            "generator": GENERATOR_VERSION,
            "protocol": protocol,
            "defaultProtocol": "true" if default_protocol else "false",
        },
        "profiler": {
            "generator_version": GENERATOR_VERSION,
            "threshold": THRESHOLD,
            "interval": "wilson-95",
            "start": plan.start,
            "cap": plan.cap,
            "quick": plan.quick,
            "seed": plan.seed,
            "protocol": protocol,
            "decoding": "greedy (temperature 0)",
            "limits": limits or {},
            "wall_s": round(wall_s, 1),
            "instances_wall_s": round(sum(o.wall_s for o in outcomes), 1),
            "tokens": sum(o.tokens for o in outcomes),
            "cost_usd": None
            if any(o.cost_usd is None for o in outcomes)
            else round(sum(o.cost_usd or 0.0 for o in outcomes), 6),
            "generator_errors": generator_errors,
        },
        "primitives": prims,
    }


def to_skvm(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile as a SkVM TCP (`capabilities` + `details`)."""
    prims = profile["primitives"]
    return {
        "version": "1.0",
        "model": profile["model"],
        "harness": profile["harness"],
        "profiledAt": profile["provenance"]["profiledAt"],
        "capabilities": {pid: f"L{e['level']}" for pid, e in prims.items()},
        "details": [
            {
                "primitiveId": pid,
                "highestLevel": f"L{e['level']}",
                "levelResults": [
                    {
                        "level": f"L{ev['level']}",
                        "passed": ev["passed"],
                        "passCount": ev["passCount"],
                        "totalCount": ev["totalCount"],
                    }
                    for ev in e["evidence"]
                ],
            }
            for pid, e in prims.items()
        ],
        "isPartial": len(prims) < len(PRIMITIVE_IDS),
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write `data` atomically."""
    from skillir.atomic import write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
