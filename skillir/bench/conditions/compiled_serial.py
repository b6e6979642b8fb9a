"""`compiled-serial`: the compiled skill with its plan run one step at a time (the baseline
of the parallel speedup)."""

from __future__ import annotations

from skillir.bench.conditions.compiled import Compiled


class CompiledSerial(Compiled):
    name = "compiled-serial"
    parallel = False
