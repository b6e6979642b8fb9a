"""The revised profile: the parent's levels lowered where runtime evidence withdrew a level.

The result is a new profile in our format (`skillir.analysis.cap.profiles.save_profile`); the
parent file is
never written. Its provenance records the parent (path and SHA-256), the posterior of every
cell the runs were about (prior and runtime counts, P(rate < threshold)), the levels lowered and
the runs the evidence came from.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from skillir.adaptive.posterior import CONFIDENCE, THRESHOLD, Cell
from skillir.analysis.cap.profiles import Profile


def cell_record(cell: Cell) -> dict[str, object]:
    """A cell as JSON: counts, posterior mean and P(rate < threshold), before and after."""
    return {
        "primitive": cell.primitive,
        "level": cell.level,
        "claimed": cell.claimed,
        "prior": [round(cell.prior_passes, 4), round(cell.prior_failures, 4)],
        "runtime": [round(cell.runtime_passes, 4), round(cell.runtime_failures, 4)],
        "p_below_before": round(cell.prior_p_below, 4),
        "p_below_after": round(cell.p_below, 4),
        "withdrawn": cell.withdrawn,
    }


def revise(
    parent: Profile, cells: Iterable[Cell], lowered: dict[str, int], runs: Iterable[str]
) -> Profile:
    """The parent with `lowered` levels, and provenance naming the parent and the evidence."""
    levels = dict(parent.levels) | lowered
    recorded = dict(parent.recorded) | lowered
    digest = ""
    if parent.path is not None and Path(parent.path).is_file():
        digest = hashlib.sha256(Path(parent.path).read_bytes()).hexdigest()
    provenance = dict(parent.provenance) | {
        "parent": str(parent.path or ""),
        "parent_sha256": digest,
        "adapted_by": "skill-adapt",
        "decision": f"lower a level when P(rate < {THRESHOLD}) > {CONFIDENCE}",
        "lowered": json.dumps(lowered, sort_keys=True),
        "runtime_evidence": json.dumps([cell_record(c) for c in cells]),
        "runs": json.dumps(sorted(set(runs))),
    }
    return dataclasses.replace(
        parent, levels=levels, recorded=recorded, provenance=provenance, warnings=(), path=None
    )
