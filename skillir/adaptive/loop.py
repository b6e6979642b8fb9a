"""The adaptation loop behind `skill-adapt`.

    split tasks (evidence | held-out)        before anything runs
    v0 = compile(skill, profile)
    each round:
      run the evidence tasks on the current variant (traces kept, graded)
      attribute every run → observations → Beta posterior against the profile
      no level withdrawn, or the same as before → stop
      revised profile → recompile → the ops that changed
      run the held-out tasks on the current variant and the candidate (paired: same tasks,
      same repeats, same seeds) → sign test → keep the candidate only when it is better

Runs go through `skill-bench`'s runner (fresh work directory per run, graders outside the
agent's view, timeouts and errors scored 0 and counted).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillir.adaptive.attribute import Attribution, attribute
from skillir.adaptive.incremental import Change, compare, compile_ir, emit, skill_diff
from skillir.adaptive.posterior import Cell, posterior, revised_levels
from skillir.adaptive.revise import revise
from skillir.adaptive.select import Verdict, split
from skillir.adaptive.select import compare as compare_variants
from skillir.analysis.cap.profiles import load_profile, save_profile


@dataclass(frozen=True)
class Settings:
    """What one `skill-adapt` run is about."""

    skill: Path
    tasks: tuple[Path, ...]
    model: str
    profile: Path
    harness: str = "bare"
    rounds: int = 2
    repeats: int = 1
    seed: int = 0
    held_out: float = 0.5
    max_steps: int | None = None
    timeout_s: float | None = None
    jobs: int = 1


@dataclass
class Round:
    """What one round found and decided."""

    number: int
    evidence_runs: list[dict[str, Any]]
    attribution: Attribution
    cells: list[Cell]
    lowered: dict[str, int]
    change: Change | None = None
    current_runs: list[dict[str, Any]] = field(default_factory=list)
    candidate_runs: list[dict[str, Any]] = field(default_factory=list)
    verdict: Verdict | None = None
    stopped: str = ""


@dataclass
class Outcome:
    evidence_tasks: list[str]
    held_out_tasks: list[str]
    rounds: list[Round]
    variant: Path  # the kept variant's folder
    profile: Path  # the profile it was compiled with
    rejected: int


Progress = Callable[[str, int, int], None]


def _specs(settings: Settings, tasks: list[Any], variant: Path, keep: Path | None) -> list:
    from skillir.bench.runner import SAMPLING_TEMPERATURE, RunSpec

    temperature = SAMPLING_TEMPERATURE if settings.repeats > 1 else 0.0  # as skill-bench
    return [
        RunSpec(
            task_dir=str(task.folder),
            task=task.id,
            condition="variant",
            repeat=repeat,
            seed=settings.seed + repeat,
            model=settings.model,
            temperature=temperature,
            harness=settings.harness,
            max_steps=settings.max_steps,
            timeout_s=settings.timeout_s,
            keep_dir=str(keep) if keep else None,
            skill_dir=str(variant),
        )
        for task in tasks
        for repeat in range(settings.repeats)
    ]


def _run(settings: Settings, specs: list, what: str, progress: Progress | None) -> list[dict]:
    from skillir.bench.executors import run_local

    records = []
    for record in run_local(specs, settings.jobs):
        records.append(record)
        if progress:
            progress(what, len(records), len(specs))
    records.sort(key=lambda r: (r["task"], r["repeat"]))
    return records


def _paired(records: list[dict]) -> list[tuple[float, bool]]:
    return [(float(r["score"]), bool(r["passed"])) for r in records]


def adapt(settings: Settings, out: Path, progress: Progress | None = None) -> Outcome:
    """Run the loop; write variants and profiles under `out` and return what happened."""
    from skillir.bench.tasks import discover

    tasks = discover(list(settings.tasks))
    by_id = {t.id: t for t in tasks}
    evidence_ids, held_ids = split(list(by_id), settings.held_out, settings.seed)
    parent = load_profile(settings.profile)
    current_profile = settings.profile
    current = out / "variants" / "v0"
    emit(settings.skill, settings.harness, settings.profile, current)
    observations: list = []
    runs: list[str] = []
    rounds: list[Round] = []
    previous: dict[str, int] = {}
    rejected = 0
    keep = Path(tempfile.mkdtemp(prefix="skill-adapt-runs-"))
    try:
        for number in range(1, settings.rounds + 1):
            specs = _specs(settings, [by_id[i] for i in evidence_ids], current, keep)
            records = _run(settings, specs, f"round {number}: evidence", progress)
            found = Attribution()
            for record in records:
                trace = Path(record.get("run_dir", "")) / "trace" / "trace.jsonl"
                if not trace.is_file():
                    continue
                run = f"r{number}:{record['task']}:{record['repeat']}"
                runs.append(run)
                found.extend(attribute(trace, current / "SKILL.md", bool(record["passed"]), run))
            observations += found.observations
            cells = posterior(parent, observations)
            lowered = revised_levels(parent, cells)
            this = Round(number, records, found, cells, lowered)
            rounds.append(this)
            if not lowered or lowered == previous:
                this.stopped = "no level withdrawn" if not lowered else "no new evidence"
                break
            previous = lowered
            revised = revise(parent, cells, lowered, runs)
            revised_path = save_profile(revised, out / "profiles" / f"round-{number}.json")
            candidate = out / "variants" / f"v{number}"
            emit(settings.skill, settings.harness, revised_path, candidate)
            before = compile_ir(settings.skill, settings.harness, current_profile)
            after = compile_ir(settings.skill, settings.harness, revised_path)
            this.change = compare(before, after, set(lowered))
            this.change.skill_diff = skill_diff(current, candidate)
            held = [by_id[i] for i in held_ids]
            this.current_runs = _run(
                settings,
                _specs(settings, held, current, None),
                f"round {number}: current",
                progress,
            )
            this.candidate_runs = _run(
                settings,
                _specs(settings, held, candidate, None),
                f"round {number}: candidate",
                progress,
            )
            this.verdict = compare_variants(
                _paired(this.current_runs), _paired(this.candidate_runs)
            )
            if this.verdict.accepted:
                current, current_profile = candidate, revised_path
            else:
                rejected += 1
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    return Outcome(evidence_ids, held_ids, rounds, current, current_profile, rejected)


def summary(outcome: Outcome) -> dict[str, Any]:
    """The outcome as JSON: per round the evidence, the posterior, the change and the verdict."""
    return {
        "evidence_tasks": outcome.evidence_tasks,
        "held_out_tasks": outcome.held_out_tasks,
        "variant": str(outcome.variant),
        "profile": str(outcome.profile),
        "rejected": outcome.rejected,
        "rounds": [
            {
                "round": r.number,
                "evidence_passed": sum(bool(x["passed"]) for x in r.evidence_runs),
                "evidence_runs": len(r.evidence_runs),
                "observations": len(r.attribution.observations),
                "unattributed": [u.reason for u in r.attribution.unattributed],
                "cells": [vars(c) | {"p_below": c.p_below} for c in r.cells],
                "lowered": r.lowered,
                "changed_ops": r.change.changed if r.change else [],
                "verdict": r.verdict.describe() if r.verdict else r.stopped,
            }
            for r in outcome.rounds
        ],
    }


def write_json(path: Path, data: Any) -> None:
    from skillir.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
