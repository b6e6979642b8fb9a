"""The primitive catalog: the 26 capabilities, their levels, and how to compensate for gaps.

The data lives in `skillir/data/catalog.toml` so that wording can change without touching code;
this module loads it once, checks it is complete, and gives it types. Compensation passes read
`Primitive.steps_for` (degrade), `Primitive.substitute_with` (substitute), `Primitive.about`
(the requirement rules or constructs a guide is about), `Primitive.against` (those at whose
place the guide would contradict the skill's step) and `Primitive.hands_over`.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from skillir.data import load

LEVELS = (0, 1, 2, 3)
CATALOG_VERSION = "skillir-catalog/1"
NONE_FEASIBLE = "none feasible"

CATEGORIES = {
    "gen": "generation",
    "reason": "reasoning",
    "tool": "tool",
    "follow": "instruction",
}

PRIMITIVE_IDS = (
    "gen.code.python",
    "gen.code.javascript",
    "gen.code.shell",
    "gen.code.sql",
    "gen.code.html",
    "gen.text.structured",
    "gen.text.long",
    "gen.text.prose",
    "gen.regex",
    "reason.arithmetic",
    "reason.logic",
    "reason.spatial",
    "reason.planning",
    "reason.analysis",
    "tool.file.read",
    "tool.file.write",
    "tool.exec",
    "tool.call.format",
    "tool.call.batch",
    "tool.web",
    "tool.browser",
    "follow.format",
    "follow.constraint",
    "follow.procedure",
    "follow.delegation",
    "follow.style",
)

# (from_level, to_level) → TOML key of the guidance for that step down.
_GUIDE_KEYS = {
    (3, 2): "guide_l3_to_l2",
    (2, 1): "guide_l2_to_l1",
    (1, 0): "guide_l1_to_l0",
}
_REQUIRED_KEYS = ("id", "category", "title", "l1", "l2", "l3", *_GUIDE_KEYS.values())
# what each guide is about: TOML key → the guide's step, or "substitute"
_ABOUT_KEYS: dict[str, tuple[int, int] | str] = {
    **{key.replace("guide_", "about_"): step for step, key in _GUIDE_KEYS.items()},
    "about_substitute": "substitute",
}
# what each guide must not be attached over: TOML key → the guide's step, or "substitute"
_AGAINST_KEYS = {key.replace("about_", "against_"): step for key, step in _ABOUT_KEYS.items()}
_OPTIONAL_KEYS = (
    "substitute_with",
    "substitute_guide",
    "hands_over",
    *_ABOUT_KEYS,
    *_AGAINST_KEYS,
)


class CatalogError(ValueError):
    """The catalog file is malformed or incomplete."""


def parse_level(value: str | int) -> int:
    """`"L2"` or `2` → `2`; anything outside L0..L3 raises `ValueError`."""
    if isinstance(value, bool):
        raise ValueError(f"not a capability level: {value!r}")
    if isinstance(value, int):
        if value in LEVELS:
            return value
    elif isinstance(value, str) and len(value) == 2 and value[0] == "L" and value[1] in "0123":
        return int(value[1])
    raise ValueError(f"not a capability level: {value!r} (expected L0, L1, L2 or L3)")


def format_level(level: int) -> str:
    """`2` → `"L2"`."""
    if isinstance(level, bool) or level not in LEVELS:
        raise ValueError(f"not a capability level: {level!r} (expected 0..3)")
    return f"L{level}"


@dataclass(frozen=True)
class Primitive:
    """One primitive capability: what its levels mean and how to bridge each step down."""

    id: str
    category: str
    title: str
    meanings: tuple[str, str, str]
    guidance: Mapping[tuple[int, int], str | None] = field(hash=False)
    substitute_with: tuple[str, ...] = ()
    substitute_guide: str | None = None
    # guide step (or "substitute") → the requirement rules or constructs it is about
    about: Mapping[tuple[int, int] | str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    # guide step (or "substitute") → constructs at whose place the guide contradicts the step
    against: Mapping[tuple[int, int] | str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    hands_over: bool = False

    def meaning(self, level: int | str) -> str:
        """What reaching `level` means; L0 is the absence of the capability."""
        level = parse_level(level)
        if level == 0:
            return "Absent: not even the first level of this capability is reached."
        return self.meanings[level - 1]

    def guidance_for(self, required: int | str, available: int | str) -> list[str]:
        """The guidance for each step from `required` down to `available`, highest step first.

        Steps marked "none feasible" are left out; an empty list means no gap or no help.
        """
        required, available = parse_level(required), parse_level(available)
        return [text for _, text in self.steps_for(required, available)]

    def steps_for(
        self, required: int | str, available: int | str
    ) -> list[tuple[tuple[int, int], str]]:
        """(step, guidance) for each step from `required` down to `available` that has one."""
        required, available = parse_level(required), parse_level(available)
        steps = [(lv, lv - 1) for lv in range(required, available, -1)]
        return [(step, text) for step in steps if (text := self.guidance[step]) is not None]

    def can_degrade(self, required: int | str, available: int | str) -> bool:
        """Whether every step from `required` down to `available` has guidance."""
        required, available = parse_level(required), parse_level(available)
        return all(self.guidance[(lv, lv - 1)] is not None for lv in range(required, available, -1))


@dataclass(frozen=True)
class Catalog:
    """All primitives, in catalog order, keyed by id."""

    version: str
    primitives: Mapping[str, Primitive] = field(hash=False)
    source: str = field(default="", compare=False)
    # section titles whose content is incidental to a skill's work (see `hands_over`)
    incidental_sections: re.Pattern[str] | None = field(default=None, compare=False)

    def primitive(self, id: str) -> Primitive:
        """The primitive named `id`; `KeyError` naming close matches when there is none."""
        try:
            return self.primitives[id]
        except KeyError:
            raise KeyError(_unknown(id, self.primitives)) from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.primitives)

    def by_category(self, category: str) -> tuple[Primitive, ...]:
        return tuple(p for p in self.primitives.values() if p.category == category)

    def __iter__(self) -> Iterator[Primitive]:
        return iter(self.primitives.values())

    def __contains__(self, id: object) -> bool:
        return id in self.primitives

    def __len__(self) -> int:
        return len(self.primitives)


def _unknown(id: str, known: Mapping[str, Any] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(id, list(known), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown primitive {id!r}{hint} (the catalog has {len(known)} primitives)"


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key!r} must be a non-empty string")
    return value.strip()


def _primitive(entry: Mapping[str, Any], index: int) -> Primitive:
    where = f"primitive #{index + 1} ({entry.get('id', '?')})"
    missing = [key for key in _REQUIRED_KEYS if key not in entry]
    if missing:
        raise CatalogError(f"{where}: missing {', '.join(missing)}")
    unexpected = sorted(set(entry) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS))
    if unexpected:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(unexpected)}")
    pid = _text(entry, "id", where)
    if pid not in PRIMITIVE_IDS:
        raise CatalogError(f"{where}: {_unknown(pid, PRIMITIVE_IDS)}")
    category = _text(entry, "category", where)
    expected = CATEGORIES[pid.split(".", 1)[0]]
    if category != expected:
        raise CatalogError(f"{where}: category {category!r}, expected {expected!r}")
    guidance: dict[tuple[int, int], str | None] = {}
    for step, key in _GUIDE_KEYS.items():
        text = _text(entry, key, where)
        guidance[step] = None if text == NONE_FEASIBLE else text
    subs = entry.get("substitute_with", [])
    if not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
        raise CatalogError(f"{where}: 'substitute_with' must be a list of primitive ids")
    guide = _text(entry, "substitute_guide", where) if "substitute_guide" in entry else None
    if bool(subs) != (guide is not None):
        raise CatalogError(f"{where}: 'substitute_with' and 'substitute_guide' go together")
    about = _rule_lists(entry, _ABOUT_KEYS, guide is not None, where)
    against = _rule_lists(entry, _AGAINST_KEYS, guide is not None, where)
    hands_over = entry.get("hands_over", False)
    if not isinstance(hands_over, bool):
        raise CatalogError(f"{where}: 'hands_over' must be true or false")
    return Primitive(
        id=pid,
        category=category,
        title=_text(entry, "title", where),
        meanings=(_text(entry, "l1", where), _text(entry, "l2", where), _text(entry, "l3", where)),
        guidance=MappingProxyType(guidance),
        substitute_with=tuple(subs),
        substitute_guide=guide,
        about=MappingProxyType(about),
        against=MappingProxyType(against),
        hands_over=hands_over,
    )


def _rule_lists(
    entry: Mapping[str, Any],
    keys: Mapping[str, tuple[int, int] | str],
    has_substitute: bool,
    where: str,
) -> dict[tuple[int, int] | str, tuple[str, ...]]:
    """The `about_*` (or `against_*`) lists of an entry, by guide step."""
    lists: dict[tuple[int, int] | str, tuple[str, ...]] = {}
    for key, step in keys.items():
        if key not in entry:
            continue
        ids = entry[key]
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise CatalogError(f"{where}: {key!r} must be a non-empty list of rule ids")
        if step == "substitute" and not has_substitute:
            raise CatalogError(f"{where}: {key!r} without a substitute_guide")
        lists[step] = tuple(ids)
    return lists


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    """Check and type a catalog read from TOML; `CatalogError` says what is wrong."""
    version = data.get("version")
    if version != CATALOG_VERSION:
        raise CatalogError(f"catalog version {version!r}, expected {CATALOG_VERSION!r}")
    entries = data.get("primitive")
    if not isinstance(entries, list):
        raise CatalogError("catalog has no [[primitive]] tables")
    primitives: dict[str, Primitive] = {}
    for index, entry in enumerate(entries):
        prim = _primitive(entry, index)
        if prim.id in primitives:
            raise CatalogError(f"primitive {prim.id!r} is defined twice")
        primitives[prim.id] = prim
    absent = [pid for pid in PRIMITIVE_IDS if pid not in primitives]
    if absent:
        raise CatalogError(f"catalog lacks primitive(s) {', '.join(absent)}")
    for prim in primitives.values():
        for sub in prim.substitute_with:
            if sub not in primitives:
                raise CatalogError(f"{prim.id}: substitute {_unknown(sub, primitives)}")
            if sub == prim.id:
                raise CatalogError(f"{prim.id}: cannot substitute itself")
    source = str(data.get("source", ""))
    incidental = data.get("incidental_sections", [])
    if not isinstance(incidental, list) or not all(isinstance(p, str) for p in incidental):
        raise CatalogError("'incidental_sections' must be a list of patterns")
    try:
        pattern = re.compile("|".join(f"(?:{p})" for p in incidental), re.I) if incidental else None
    except re.error as err:
        raise CatalogError(f"'incidental_sections': bad pattern: {err}") from None
    return Catalog(
        version=version,
        primitives=MappingProxyType(primitives),
        source=source,
        incidental_sections=pattern,
    )


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped in `skillir/data/catalog.toml`, read and checked once."""
    try:
        data = load("catalog.toml")
    except tomllib.TOMLDecodeError as err:
        raise CatalogError(f"skillir/data/catalog.toml: {err}") from err
    return parse_catalog(data)
