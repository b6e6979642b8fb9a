"""The registry of generators: one per catalog primitive, levels 1-3."""

from __future__ import annotations

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.profiler import generation, instruction, reasoning, tool
from skillir.profiler.base import Instance, rng_for

GENERATORS = {
    **generation.GENERATORS,
    **reasoning.GENERATORS,
    **tool.GENERATORS,
    **instruction.GENERATORS,
}
LEVELS = (1, 2, 3)
assert set(GENERATORS) == set(PRIMITIVE_IDS), sorted(set(PRIMITIVE_IDS) ^ set(GENERATORS))


class UnknownPrimitive(KeyError):
    pass


def make_instance(primitive: str, level: int, seed: int) -> Instance:
    """The instance of (primitive, level, seed): the same bytes on every run and machine."""
    if primitive not in GENERATORS:
        raise UnknownPrimitive(primitive)
    if level not in LEVELS:
        raise ValueError(f"level {level} is not one of 1, 2, 3")
    return Instance(
        primitive, level, seed, GENERATORS[primitive](rng_for(primitive, level, seed), level)
    )
