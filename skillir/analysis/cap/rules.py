"""Requirement rules: the rule file `skillir/data/requirement_rules.toml`, read and checked once.

Each rule names a detector (a function of `skillir.analysis.cap.requirements` registered with
`detector`)
with its parameters, a primitive and a level; `load_rules` checks every parameter against what
the detector accepts and joins each rule's patterns into one expression with its literals.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation

from skillir.analysis.cap.catalog import PRIMITIVE_IDS
from skillir.data import load
from skillir.regex_literals import LiteralIndex, caseless_safe, literal_prefixes

if TYPE_CHECKING:
    from skillir.analysis.cap.facts import SkillFacts

RULES_FILE = "requirement_rules.toml"
RULES_VERSION = "skillir-requirements/1"
RULE_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
TEXT_KINDS = ("prose", "step", "bullet", "quote", "table", "section")
DEFAULT_TEXT_OPS = ("prose", "step", "bullet", "quote")
_IGNORECASE = int(re.IGNORECASE)
DETAIL_LIMIT = 60
MIN_PROSE_WORDS = 150


@dataclass(frozen=True)
class Requirement:
    """A primitive at a level, needed by `anchor` (the op whose content needs it)."""

    primitive: str
    level: int
    anchor: Operation
    rule: str
    reason: str


class RuleError(ValueError):
    """The rule file is malformed: unknown detector, primitive, parameter or bad pattern."""


@dataclass(frozen=True)
class Patterns:
    """Patterns of one rule parameter, joined into one expression, with the literals that any
    match must contain (`triggers`, lower-case unless case-sensitive; None: no such literal)."""

    regex: re.Pattern[str]
    triggers: tuple[str, ...] | None
    sources: tuple[str, ...]

    def number(self, match: re.Match[str]) -> int | None:
        for key, value in match.groupdict().items():
            if key.startswith("n") and value is not None:
                return int(value.replace(",", ""))
        return None


@dataclass(frozen=True)
class Rule:
    id: str
    primitive: str
    level: int
    detector: str
    reason: str
    params: Mapping[str, Any] = field(hash=False, compare=False)
    index: int = 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def explain(self, detail: str) -> str:
        return self.reason.format(detail=detail)


@dataclass(frozen=True)
class RuleBook:
    """The rules and the tables they share (language aliases, sniffing, Python module lists)."""

    version: str
    rules: tuple[Rule, ...]
    shell_commands: frozenset[str]
    ignore_modules: frozenset[str]
    local_modules: frozenset[str]
    io_calls: frozenset[str]
    step_headings: re.Pattern[str]
    # the literals of every rule's patterns, by whether the patterns are case-sensitive
    triggers: Mapping[bool, LiteralIndex]
    # constructs: what a compensation guide is about, found by the same detectors
    constructs: tuple[Rule, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        """The requirement rule or construct named `rule_id`."""
        for rule in (*self.rules, *self.constructs):
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no requirement rule or construct {rule_id!r}")


Finding = tuple[Operation, str]
DetectorFn = Callable[["SkillFacts", Rule], Iterable[Finding]]


@dataclass(frozen=True)
class Detector:
    name: str
    fn: DetectorFn
    params: Mapping[str, str]  # parameter → kind: patterns, pattern-list, strings, int, bool, str
    required: tuple[str, ...]


DETECTORS: dict[str, Detector] = {}


def detector(
    name: str, required: tuple[str, ...] = (), **params: str
) -> Callable[[DetectorFn], DetectorFn]:
    """Register a detector under `name` with the parameters (and their kinds) it accepts."""

    def register(fn: DetectorFn) -> DetectorFn:
        DETECTORS[name] = Detector(name, fn, MappingProxyType(params), required)
        return fn

    return register


# --- loading -------------------------------------------------------------------------------

_RESERVED = ("id", "primitive", "level", "detector", "reason")


def _compile(sources: Sequence[str], case_sensitive: bool, where: str) -> Patterns:
    flags = re.MULTILINE if case_sensitive else re.MULTILINE | re.IGNORECASE
    parts, triggers = [], []
    has_triggers = True
    for index, source in enumerate(sources):
        if not isinstance(source, str):
            raise RuleError(f"{where}: patterns must be strings")
        try:
            re.compile(source, flags)
        except re.error as err:
            raise RuleError(f"{where}: bad pattern {source!r}: {err}") from None
        renamed = source.replace("(?P<n>", f"(?P<n{index}>")
        parts.append(f"(?:{renamed})")
        prefixes = literal_prefixes(source)
        if not case_sensitive and prefixes is not None:
            prefixes = tuple(p.lower() for p in prefixes)
            if not all(caseless_safe(p) for p in prefixes):
                prefixes = None  # a cased non-ASCII letter: `fold_case` cannot stand for `re`
        if prefixes is None:
            has_triggers = False
        else:
            triggers.extend(prefixes)
    regex = re.compile("|".join(parts), flags)
    return Patterns(regex, tuple(dict.fromkeys(triggers)) if has_triggers else None, tuple(sources))


def _param(detector_: Detector, key: str, value: Any, case_sensitive: bool, where: str) -> Any:
    kind = detector_.params.get(key)
    if kind is None:
        known = ", ".join(sorted(detector_.params)) or "none"
        raise RuleError(f"{where}: detector {detector_.name!r} takes no {key!r} (takes {known})")
    if kind in ("patterns", "pattern-list"):
        if not isinstance(value, list) or not value:
            raise RuleError(f"{where}: {key!r} must be a non-empty list of patterns")
        if kind == "patterns":
            return _compile(value, case_sensitive, where)
        return tuple(_compile([v], case_sensitive, where) for v in value)
    if kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RuleError(f"{where}: {key!r} must be a list of strings")
        return tuple(value)
    expected = {"int": int, "bool": bool, "str": str}[kind]
    if not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
        raise RuleError(f"{where}: {key!r} must be a {kind}")
    return value


def _construct(entry: Mapping[str, Any], index: int) -> Rule:
    """A `[[construct]]`: a rule without primitive, level or reason (a guide's subject)."""
    where = f"construct #{index + 1} ({entry.get('id', '?')})"
    if "primitive" in entry or "level" in entry:
        raise RuleError(f"{where}: a construct has no primitive or level")
    filled = {"primitive": "gen.code.shell", "level": 1, "reason": "{detail}", **entry}
    try:
        rule = _rule(filled, index)
    except RuleError as err:
        raise RuleError(str(err).replace(f"rule #{index + 1}", f"construct #{index + 1}")) from None
    return dataclasses.replace(rule, primitive="", level=0)


def _rule(entry: Mapping[str, Any], index: int) -> Rule:
    where = f"rule #{index + 1} ({entry.get('id', '?')})"
    missing = [key for key in _RESERVED if key not in entry]
    if missing:
        raise RuleError(f"{where}: missing {', '.join(missing)}")
    rule_id, primitive, level = entry["id"], entry["primitive"], entry["level"]
    if not isinstance(rule_id, str) or not RULE_ID_RE.match(rule_id):
        raise RuleError(f"{where}: id must be kebab-case")
    if primitive not in PRIMITIVE_IDS:
        raise RuleError(f"{where}: unknown primitive {primitive!r}")
    if not isinstance(level, int) or isinstance(level, bool) or level not in (1, 2, 3):
        raise RuleError(f"{where}: level must be 1, 2 or 3")
    found = DETECTORS.get(entry["detector"])
    if found is None:
        raise RuleError(f"{where}: unknown detector {entry['detector']!r}")
    reason = entry["reason"]
    try:
        reason.format(detail="")
    except (KeyError, IndexError, ValueError, AttributeError):
        raise RuleError(f"{where}: reason may only use {{detail}}") from None
    case_sensitive = bool(entry.get("case_sensitive", False))
    params = {
        key: _param(found, key, value, case_sensitive, where)
        for key, value in entry.items()
        if key not in _RESERVED
    }
    absent = [key for key in found.required if key not in params]
    if absent:
        raise RuleError(f"{where}: detector {found.name!r} needs {', '.join(absent)}")
    return Rule(rule_id, primitive, level, found.name, reason, MappingProxyType(params), index)


def parse_rules(data: Mapping[str, Any]) -> RuleBook:
    """Check and type the rule file's content; `RuleError` says what is wrong."""
    import skillir.analysis.cap.requirements  # noqa: F401 - registers the detectors

    if data.get("version") != RULES_VERSION:
        raise RuleError(f"rule file version {data.get('version')!r}, expected {RULES_VERSION!r}")
    entries = data.get("rule")
    if not isinstance(entries, list) or not entries:
        raise RuleError("rule file has no [[rule]] tables")
    rules = tuple(_rule(entry, index) for index, entry in enumerate(entries))
    # a construct's index follows the rules' (a text finding is memoised by index)
    constructs = tuple(
        dataclasses.replace(_construct(entry, i), index=len(rules) + i)
        for i, entry in enumerate(data.get("construct", []))
    )
    seen: set[str] = set()
    for rule in (*rules, *constructs):
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    sniff, python = data.get("sniff", {}), data.get("python", {})
    structure = data.get("structure", {})
    triggers: dict[bool, set[str]] = {True: set(), False: set()}
    for rule in (*rules, *constructs):
        for value in rule.params.values():
            for patterns in value if isinstance(value, tuple) else (value,):
                if isinstance(patterns, Patterns) and patterns.triggers is not None:
                    case_sensitive = not patterns.regex.flags & _IGNORECASE
                    triggers[case_sensitive].update(patterns.triggers)
    return RuleBook(
        version=RULES_VERSION,
        rules=rules,
        shell_commands=frozenset(sniff.get("shell_commands", ())),
        ignore_modules=frozenset(python.get("ignore_modules", ())),
        local_modules=frozenset(python.get("local_modules", ())),
        io_calls=frozenset(python.get("io_calls", ())),
        step_headings=re.compile(structure.get("step_headings", r"^(step|phase)\s*\d+\b"), re.I),
        triggers=MappingProxyType({cs: LiteralIndex(found) for cs, found in triggers.items()}),
        constructs=constructs,
    )


@functools.cache
def load_rules() -> RuleBook:
    """The rules shipped in `skillir/data/requirement_rules.toml`, read and checked once."""
    try:
        data = load(RULES_FILE)
    except tomllib.TOMLDecodeError as err:
        raise RuleError(f"skillir/data/{RULES_FILE}: {err}") from err
    return parse_rules(data)
