"""`jit`: the `compiled` skill, run with a JIT store (`skill-bench run --jit-store STORE`): a
promoted candidate of the compiled skill's (digest, model, harness) that binds to the task's
prompt runs instead of the model, else the model does the task (docs/jit.md)."""

from __future__ import annotations

from pathlib import Path

from skillir.bench.conditions.base import ConditionError
from skillir.bench.conditions.compiled import Compiled


class Jit(Compiled):
    name = "jit"

    @staticmethod
    def store(jit_store: str | None) -> Path:
        """The run's JIT store; ConditionError without one (the run scores 0, counted)."""
        if not jit_store:
            raise ConditionError("the jit condition needs a JIT store (--jit-store STORE)")
        return Path(jit_store)
