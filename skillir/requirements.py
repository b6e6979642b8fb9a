"""Capability requirement inference: which primitive, at which level, each part of a skill needs.

The rules are data, `skillir/data/requirement_rules.toml`, read and checked once. Each names a
detector, a function registered in `DETECTORS`, with its parameters; the detector looks at one
`skill.skill` op and reports the ops it found something on, with a detail for the reason. A rule
then asks for its primitive at its level there. `infer_requirements` keeps, per (op, primitive),
the highest level asked for, so adding a rule for a higher level only needs the signal that lifts
it. Deterministic: no model and no network; the same IR gives the same list in the same order.

Text rules search one concatenation of the skill's text ops: each pattern's leading literal is
looked up with `str.find` first and the full regular expression runs only on the ops holding it,
which keeps inference over a typical skill near a millisecond. Code is analysed by language:
Python with `ast`, shell by `skillir.shell` (its `sniff` reading),
SQL, JavaScript and HTML with patterns over the code without comments.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import functools
import json
import re
import sys
import textwrap
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from xdsl.ir import Operation

from skillir import shell
from skillir.catalog import PRIMITIVE_IDS
from skillir.data import load
from skillir.dialects import skill
from skillir.languages import canonical
from skillir.regex_literals import LiteralIndex, caseless_safe, fold_case, literal_prefixes

RULES_FILE = "requirement_rules.toml"
RULES_VERSION = "skillir-requirements/1"
RULE_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
TEXT_KINDS = ("prose", "step", "bullet", "quote", "table", "section")
DEFAULT_TEXT_OPS = ("prose", "step", "bullet", "quote")
# Between ops in the concatenated text: stops `[^.\n]` and `\s` from crossing op boundaries.
_SEP = "\n\0\n"
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
    if data.get("version") != RULES_VERSION:
        raise RuleError(f"rule file version {data.get('version')!r}, expected {RULES_VERSION!r}")
    entries = data.get("rule")
    if not isinstance(entries, list) or not entries:
        raise RuleError("rule file has no [[rule]] tables")
    rules = tuple(_rule(entry, index) for index, entry in enumerate(entries))
    constructs = tuple(_construct(entry, i) for i, entry in enumerate(data.get("construct", [])))
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


# --- facts about one skill -----------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+)([^`].*?)\1")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)")
_URL = re.compile(r"https?://[^\s)>\]`]+")


def _blank(match: re.Match[str], group: int) -> str:
    whole, start, end = match.group(0), match.start(group), match.end(group)
    offset = match.start(0)
    return whole[: start - offset] + " " * (end - start) + whole[end - offset :]


def mask_inline(text: str) -> str:
    """`text` with inline code, link targets and URLs blanked out (same length)."""
    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: _blank(m, 2), text)
    if "](" in text:
        text = _LINK_TARGET.sub(lambda m: _blank(m, 1), text)
    if "://" in text:
        text = _URL.sub(lambda m: " " * len(m.group(0)), text)
    return text


@dataclass(frozen=True)
class TextUnit:
    op: Operation
    kind: str
    raw: str  # newlines as spaces
    masked: str


@dataclass
class TextDoc:
    units: list[TextUnit]
    starts: list[int]
    raw: str
    masked: str
    raw_lower: str
    masked_lower: str


@dataclass(frozen=True)
class CodeBlock:
    op: skill.CodeOp
    lang: str  # canonical (`python`, `shell` ...), the fence's own when unknown, "" when none
    text: str


@dataclass(frozen=True)
class PythonInfo:
    modules: tuple[str, ...]  # dotted names, in order of appearance
    file_io: tuple[str, ...]
    regexes: tuple[str, ...]
    lines: int


def _kind(op: Operation) -> str:
    """`prose` for `skill.prose`; "" for ops of other dialects (passes may have added some)."""
    dialect, _, kind = op.name.partition(".")
    return kind if dialect == "skill" else ""


class SkillFacts:
    """What the detectors share about one `skill.skill` op, each part computed on first use."""

    def __init__(self, root: skill.SkillSkillOp, book: RuleBook) -> None:
        self.root = root
        self.book = book
        self.ops: list[Operation] = skill.walk_ops(root)
        self.order = {id(op): index for index, op in enumerate(self.ops)}
        self.by_name: dict[str, list[Operation]] = {}
        for op in self.ops:
            self.by_name.setdefault(op.name, []).append(op)
        self._python: dict[int, PythonInfo] = {}
        self._shell: dict[int, shell.Script] = {}
        self.step_runs: list[StepRun] | None = None
        self._run_text: dict[int, str] = {}
        self._clean: dict[int, str] = {}
        self._regexes: dict[int, list[tuple[int, str]]] = {}
        self._hits: dict[tuple[bool, bool], dict[str, list[int]]] = {}

    @functools.cached_property
    def doc(self) -> TextDoc:
        units: list[TextUnit] = []
        for op in self.ops:
            kind = _kind(op)
            if kind not in TEXT_KINDS:
                continue
            text = op.field("title" if kind == "section" else "text")  # type: ignore[attr-defined]
            if not isinstance(text, str) or not text:
                continue
            raw = text.replace("\n", " ").replace("\0", " ")
            units.append(TextUnit(op, kind, raw, mask_inline(raw)))
        starts, position = [], 0
        for unit in units:
            starts.append(position)
            position += len(unit.raw) + len(_SEP)
        raw = _SEP.join(u.raw for u in units)
        masked = _SEP.join(u.masked for u in units)
        return TextDoc(units, starts, raw, masked, fold_case(raw), fold_case(masked))

    @functools.cached_property
    def memo(self) -> DocMemo:
        doc = self.doc
        return _doc_memo(doc.raw, tuple(unit.kind for unit in doc.units))

    @functools.cached_property
    def unit_index(self) -> dict[int, int]:
        """Position in `doc.units` of each unit, by the unit's id."""
        return {id(unit): i for i, unit in enumerate(self.doc.units)}

    @functools.cached_property
    def unit_of(self) -> dict[int, TextUnit]:
        return {id(unit.op): unit for unit in self.doc.units}

    @functools.cached_property
    def code(self) -> list[CodeBlock]:
        blocks = []
        for op in self.by_name.get("skill.code", ()):
            if isinstance(op, skill.CodeOp):
                text = op.text.data
                fence = op.lang.data.strip().lower()
                lang = canonical(fence) if fence else sniff_language(text, self.book)
                blocks.append(CodeBlock(op, lang, text))
        return blocks

    def clean_code(self, block: CodeBlock) -> str:
        """The block's text without comments."""
        key = id(block.op)
        if key not in self._clean:
            self._clean[key] = strip_comments(block.text, block.lang)
        return self._clean[key]

    def regexes(self, block: CodeBlock) -> list[tuple[int, str]]:
        """(grade, pattern) of the regular expressions in a code block."""
        key = id(block.op)
        if key not in self._regexes:
            self._regexes[key] = [(regex_grade(p), p) for p in _regexes(self, block)]
        return self._regexes[key]

    def python(self, block: CodeBlock) -> PythonInfo:
        key = id(block.op)
        if key not in self._python:
            self._python[key] = python_info(block.text, self.book.io_calls)
        return self._python[key]

    def shell(self, block: CodeBlock) -> shell.Script:
        key = id(block.op)
        if key not in self._shell:
            self._shell[key] = shell.read(block.text, "sniff")
        return self._shell[key]

    @functools.cached_property
    def bundled_modules(self) -> frozenset[str]:
        """Module names of bundled scripts (`scripts/x.py` → `x`): local, not third-party."""
        names = set()
        for op in self.by_name.get("skill.resource_ref", ()):
            if isinstance(op, skill.ResourceRefOp) and op.path.data.endswith(".py"):
                names.add(op.path.data.rsplit("/", 1)[-1][:-3])
        return frozenset(names)

    def matches(
        self, patterns: Patterns, kinds: Sequence[str], raw: bool
    ) -> Iterator[tuple[TextUnit, re.Match[str]]]:
        """Each text unit of `kinds` where `patterns` match, with every match, in order."""
        doc = self.doc
        case_sensitive = not patterns.regex.flags & _IGNORECASE
        if patterns.triggers is None:
            candidates: Iterable[int] = range(len(doc.units))
        else:
            hits = self._trigger_units(raw, case_sensitive)
            found: set[int] = set()
            for trigger in patterns.triggers:
                found.update(hits.get(trigger, ()))
            candidates = sorted(found)
        for index in candidates:
            unit = doc.units[index]
            if unit.kind not in kinds:
                continue
            for match in patterns.regex.finditer(unit.raw if raw else unit.masked):
                yield unit, match

    def run_text(self, container: Operation, roots: list[Operation]) -> str:
        """The masked text of a run of steps, one line per op."""
        key = id(container)
        if key not in self._run_text:
            units = self.unit_of
            self._run_text[key] = "\n".join(
                units[id(op)].masked
                for root in roots
                for op in skill.walk_ops(root)
                if id(op) in units
            )
        return self._run_text[key]

    def _trigger_units(self, raw: bool, case_sensitive: bool) -> dict[str, list[int]]:
        """Indices of the text units holding each rule literal that occurs in one form of the
        document (raw or masked, as is or lower-cased), from one pass over it."""
        shipped = self.book is load_rules()
        variant = (raw, case_sensitive)
        known = self.memo.hits if shipped else self._hits
        hits = known.get(variant)
        if hits is None:
            doc = self.doc
            hay = (
                (doc.raw if raw else doc.masked)
                if case_sensitive
                else (doc.raw_lower if raw else doc.masked_lower)
            )
            starts = doc.starts
            hits = {}
            for trigger, offsets in self.book.triggers[case_sensitive].starts(hay).items():
                units: list[int] = []
                for offset in offsets:
                    index = bisect.bisect_right(starts, offset) - 1
                    if not units or units[-1] != index:
                        units.append(index)
                hits[trigger] = units
            known[variant] = hits
        return hits

    def context_text(self, op: Operation) -> str:
        """The text that introduces `op`: the text op just before it and its parent's text."""
        parts = []
        previous = op.prev_op
        while previous is not None and not isinstance(previous, skill.BLOCK_OPS):
            previous = previous.prev_op
        if previous is not None and id(previous) in self.unit_of:
            parts.append(self.unit_of[id(previous)].masked)
        parent = op.parent_op()
        if parent is not None and id(parent) in self.unit_of:
            parts.append(self.unit_of[id(parent)].masked)
        return " ".join(parts)


@dataclass
class DocMemo:
    """What is known of one document's text units, kept for the same text compiled again (for
    another target): the units holding each shipped rule literal, per form of the text (raw,
    case-sensitive), and what each shipped `text` rule found there (rule index → (unit
    index, detail))."""

    hits: dict[tuple[bool, bool], dict[str, list[int]]] = field(default_factory=dict)
    text: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


@functools.lru_cache(maxsize=256)
def _doc_memo(raw: str, kinds: tuple[str, ...]) -> DocMemo:
    return DocMemo()


# --- code analysis -------------------------------------------------------------------------

_SHEBANG = re.compile(r"^#!\S*(?:\s+\S*)?")
_PY_MARKERS = re.compile(
    r"^(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|print\(|with open\()", re.M
)
_SQL_START = re.compile(
    r"^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX|VIEW|POLICY|"
    r"FUNCTION|EXTENSION|SCHEMA)|ALTER TABLE|WITH \w+ AS)\b"
)
_HTML_START = re.compile(r"^\s*<(!doctype html|html|head|body|div|table|form|ul|section)\b", re.I)
_JS_START = re.compile(
    r"^(const|let|var|function|export|import .* from|module\.exports)\b|=>", re.M
)


def sniff_language(text: str, book: RuleBook) -> str:
    """The language of an unlabelled code block, or "" when it is not clearly code."""
    stripped = text.strip()
    if not stripped:
        return ""
    first = stripped.splitlines()[0]
    if first.startswith("#!"):
        if "python" in first:
            return "python"
        if "node" in first:
            return "javascript"
        if re.search(r"\b(ba|z|k)?sh\b", first):
            return "shell"
    if _SQL_START.match(stripped):
        return "sql"
    if _HTML_START.match(stripped):
        return "html"
    if stripped[0] in "{[":
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
            pass
    if _PY_MARKERS.search(stripped):
        try:
            ast.parse(textwrap.dedent(text))
            return "python"
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    lines = [ln.strip() for ln in stripped.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if lines and sum(ln.startswith("$ ") for ln in lines) * 2 >= len(lines):
        return "shell"
    words = [ln.split()[0] for ln in lines]
    hits = sum(w in book.shell_commands for w in words)
    if lines and hits * 5 >= len(lines) * 3 and not any(ln.endswith(".") for ln in lines):
        return "shell"
    if _JS_START.search(stripped):
        return "javascript"
    return ""


_PROMPT = re.compile(r"^(>>>|\.\.\.) ?")
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w., ]+))", re.M)
_RE_CALL = re.compile(
    r"\bre\.(?:compile|search|match|fullmatch|findall|finditer|sub|subn|split)"
    r"\(\s*[rRbBuU]{0,2}(['\"])(.+?)(?<!\\)\1"
)
_RE_FUNCS = frozenset(
    ("compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split")
)


@functools.lru_cache(maxsize=512)
def python_info(text: str, io_calls: frozenset[str] = frozenset()) -> PythonInfo:
    """Imports, file I/O calls and regular expressions of a Python block (no crash on bad code)."""
    lines = text.splitlines()
    if any(_PROMPT.match(ln) for ln in lines):
        lines = [_PROMPT.sub("", ln) for ln in lines if _PROMPT.match(ln)]
    lines = [ln for ln in lines if not ln.lstrip().startswith(("!", "%"))]
    source = textwrap.dedent("\n".join(lines))
    count = sum(1 for ln in lines if ln.strip())
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _python_by_pattern(source, count)
    modules: list[str] = []
    file_io: list[str] = []
    regexes: list[str] = []
    try:
        nodes = list(ast.walk(tree))
    except RecursionError:
        return _python_by_pattern(source, count)
    for node in nodes:
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                file_io.append("open()")
            elif isinstance(func, ast.Attribute):
                if func.attr in io_calls:
                    file_io.append(f".{func.attr}()")
                elif func.attr == "open" and not (
                    isinstance(func.value, ast.Name) and func.value.id in ("webbrowser", "os")
                ):
                    file_io.append(".open()")
                if (
                    func.attr in _RE_FUNCS
                    and isinstance(func.value, ast.Name)
                    and func.value.id in ("re", "regex")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    regexes.append(node.args[0].value)
    return PythonInfo(
        tuple(dict.fromkeys(modules)), tuple(dict.fromkeys(file_io)), tuple(regexes), count
    )


def _python_by_pattern(source: str, count: int) -> PythonInfo:
    modules: list[str] = []
    for match in _IMPORT_LINE.finditer(source):
        if match.group(1):
            modules.append(match.group(1))
        else:
            modules.extend(n.strip().split(" ")[0] for n in match.group(2).split(",") if n.strip())
    file_io = ["open()"] if re.search(r"(?<![\w.])open\(", source) else []
    regexes = [m.group(2) for m in _RE_CALL.finditer(source)]
    return PythonInfo(tuple(dict.fromkeys(modules)), tuple(file_io), tuple(regexes), count)


_COMMENTS = {
    "sql": re.compile(r"--[^\n]*|/\*.*?\*/", re.S),
    "javascript": re.compile(r"/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", re.S),
    "html": re.compile(r"<!--.*?-->", re.S),
    "css": re.compile(r"/\*.*?\*/", re.S),
    "python": re.compile(r"(?:^|(?<=\s))#[^\n]*"),
    "shell": re.compile(r"(?:^|(?<=\s))#[^\n]*"),
}


def strip_comments(text: str, lang: str) -> str:
    pattern = _COMMENTS.get(lang)
    return pattern.sub(" ", text) if pattern else text


_RE_L3 = re.compile(r"\(\?<?[=!]|\(\?P?<[A-Za-z_]|\(\?P=|\\k<|\\[1-9]")
_RE_L2 = re.compile(
    r"\[[^\]]+\]|\\[dwsDWSbB]|(?<!\\)[+*?]|(?<!\\)\{\d+(,\d*)?\}|(?<!\\)\^|(?<!\\)\$(?![A-Za-z_{(])"
)
_JS_REGEX = re.compile(
    r"(?:\.(?:match|matchAll|replace|replaceAll|split|search)\(\s*|(?:[=(,:]|\breturn)\s*)"
    r"/((?![*/\s])(?:\\.|\[(?:\\.|[^\]\n])*\]|[^/\\\n\[])+)/[dgimsuy]*(?=\s*(?:[.;,)\]}]|$))",
    re.M,
)
_JS_REGEXP_CTOR = re.compile(r"\bRegExp\(\s*(['\"`])(.+?)(?<!\\)\1")
_GREP_VALUE_OPTIONS = frozenset(
    ("-f", "-m", "-A", "-B", "-C", "-g", "-t", "-T", "--glob", "--type", "--max-count", "-d", "-D")
)


def regex_grade(pattern: str) -> int:
    """3: lookaround, backreferences, named groups; 2: classes, quantifiers, anchors; else 1."""
    if _RE_L3.search(pattern):
        return 3
    return 2 if _RE_L2.search(pattern) else 1


def _shell_regexes(info: shell.Script) -> list[tuple[str, bool]]:
    """(pattern, explicit) for grep-like and sed commands; explicit: a regex option or tool."""
    found = []
    for command in info.commands:
        words = command.argv
        name = shell.command_name(words)
        if name not in ("grep", "egrep", "rg", "sed", "ag", "ack"):
            continue
        args = list(words[words.index(name) + 1 :] if name in words else words[1:])
        explicit = name == "egrep"
        pattern = None
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-e", "--regexp") and i + 1 < len(args):
                pattern = args[i + 1]
                break
            if arg.startswith("--"):
                explicit |= arg in ("--extended-regexp", "--perl-regexp", "--regexp-extended")
            elif arg.startswith("-") and len(arg) > 1:
                explicit |= (
                    any(c in arg[1:] for c in "EPr")
                    if name == "sed"
                    else any(c in arg[1:] for c in "EP")
                )
                if arg in _GREP_VALUE_OPTIONS:
                    i += 1
            else:
                pattern = arg
                break
            i += 1
        if pattern is None:
            continue
        if name == "sed":
            explicit = explicit and pattern.startswith("s")
            if len(pattern) > 2 and pattern[0] == "s" and not pattern[1].isalnum():
                pattern = pattern[2:].split(pattern[1], 1)[0]
            else:
                continue
        found.append((pattern, explicit))
    return found


def _regexes(facts: SkillFacts, block: CodeBlock) -> list[str]:
    if block.lang == "python":
        return list(facts.python(block).regexes)
    if block.lang == "shell":
        return [
            p
            for p, explicit in _shell_regexes(facts.shell(block))
            if explicit or (regex_grade(p) > 1)
        ]
    if block.lang == "javascript":
        code = facts.clean_code(block)
        return [m.group(1) for m in _JS_REGEX.finditer(code)] + [
            m.group(2) for m in _JS_REGEXP_CTOR.finditer(code)
        ]
    return []


def structure_depth(text: str, lang: str) -> int:
    """Nesting depth of a JSON or YAML example: 1 for a flat object, +1 per nested level."""
    if lang == "json":
        try:
            return _json_depth(json.loads(text))
        except (ValueError, RecursionError):
            depth = best = 0
            in_string = escaped = False
            for ch in text:
                if in_string:
                    if escaped:
                        escaped = False
                    elif ch == "\\":
                        escaped = True
                    elif ch == '"':
                        in_string = False
                elif ch == '"':
                    in_string = True
                elif ch in "{[":
                    depth += 1
                    best = max(best, depth)
                elif ch in "}]":
                    depth = max(depth - 1, 0)
            return best
    indents = set()
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        indents.add(indent)
        if stripped.startswith("- ") and ":" in stripped:
            indents.add(indent + 2)
    return len(indents)


def _json_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_json_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_json_depth(v) for v in value), default=0)
    return 0


# --- detectors -----------------------------------------------------------------------------


def clip(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Whitespace collapsed, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _names(items: Iterable[str], limit: int = 4) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _excluded(rule: Rule, unit: TextUnit, match: re.Match[str], raw: bool) -> bool:
    exclude: Patterns | None = rule.get("exclude")
    if exclude is None:
        return False
    text = unit.raw if raw else unit.masked
    return exclude.regex.search(text, max(0, match.start() - 60), match.end()) is not None


@detector(
    "text",
    required=("patterns",),
    patterns="patterns",
    ops="strings",
    raw="bool",
    inside_code="bool",
    case_sensitive="bool",
    exclude="patterns",
    min_n="int",
)
def detect_text(facts: SkillFacts, rule: Rule) -> list[Finding]:
    """Ops whose text matches one of `patterns` (`min_n`: a `(?P<n>...)` number at least).

    With `raw`, inline code stays visible, but a match must begin outside it unless
    `inside_code`."""
    shipped = facts.book is load_rules()
    found = facts.memo.text.get(rule.index) if shipped else None
    if found is None:
        found = _text_findings(facts, rule)
        if shipped:
            facts.memo.text[rule.index] = found
    units = facts.doc.units
    return [(units[index].op, detail) for index, detail in found]


def _text_findings(facts: SkillFacts, rule: Rule) -> list[tuple[int, str]]:
    raw = rule.get("raw", False)
    outside = raw and not rule.get("inside_code", False)
    min_n = rule.get("min_n")
    patterns: Patterns = rule.params["patterns"]
    index = facts.unit_index
    done: set[int] = set()
    found: list[tuple[int, str]] = []
    for unit, match in facts.matches(patterns, rule.get("ops", DEFAULT_TEXT_OPS), raw):
        if id(unit.op) in done or _excluded(rule, unit, match, raw):
            continue
        if outside and unit.masked[match.start()] != unit.raw[match.start()]:
            continue
        if min_n is not None:
            number = patterns.number(match)
            if number is not None and number < min_n:
                continue
        done.add(id(unit.op))
        found.append((index[id(unit)], clip(match.group(0))))
    return found


@detector(
    "keyword_count",
    required=("patterns", "min_count"),
    patterns="pattern-list",
    min_count="int",
    ops="strings",
    case_sensitive="bool",
)
def detect_keyword_count(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Sections (or the skill) whose own text matches at least `min_count` distinct patterns."""
    kinds = rule.get("ops", DEFAULT_TEXT_OPS)
    hits: dict[int, dict[int, str]] = {}
    holders: dict[int, Operation] = {}
    for index, patterns in enumerate(rule.params["patterns"]):
        for unit, match in facts.matches(patterns, kinds, False):
            holder = _enclosing_section(unit.op, facts.root)
            holders[id(holder)] = holder
            hits.setdefault(id(holder), {}).setdefault(index, match.group(0))
    for key in sorted(hits, key=lambda k: facts.order[k]):
        found = hits[key]
        if len(found) >= rule.params["min_count"]:
            phrases = [f'"{clip(found[i], 30)}"' for i in sorted(found)]
            yield holders[key], f"{len(found)} rules: {_names(phrases)}"


def _enclosing_section(op: Operation, root: Operation) -> Operation:
    parent = op.parent_op()
    while parent is not None and parent is not root and not isinstance(parent, skill.SectionOp):
        parent = parent.parent_op()
    return parent if parent is not None else root


@detector(
    "python_code",
    feature="str",
    modules="strings",
)
def detect_python(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Python blocks: `feature` any | file-io | stdlib | third-party, or imports of `modules`."""
    feature = rule.get("feature", "any")
    wanted: tuple[str, ...] = rule.get("modules", ())
    book = facts.book
    for block in facts.code:
        if block.lang != "python" or not block.text.strip():
            continue
        info = facts.python(block)
        if wanted:
            hits = [m for m in info.modules if any(m == w or m.startswith(w + ".") for w in wanted)]
            if hits:
                yield block.op, f"imports {_names(_top_modules(hits, keep_dotted=True))}"
            continue
        if feature == "any":
            yield block.op, f"{info.lines} line{'s' if info.lines != 1 else ''}"
        elif feature == "file-io":
            if info.file_io:
                yield block.op, _names(info.file_io)
        else:
            tops = _top_modules(info.modules)
            tops = [m for m in tops if m not in book.ignore_modules]
            stdlib = [m for m in tops if m in sys.stdlib_module_names]
            if feature == "stdlib" and stdlib:
                yield block.op, _names(stdlib)
            elif feature == "third-party":
                local = book.local_modules | facts.bundled_modules
                others = [m for m in tops if m not in sys.stdlib_module_names and m not in local]
                if others:
                    yield block.op, _names(others)


def _top_modules(modules: Iterable[str], keep_dotted: bool = False) -> list[str]:
    tops: list[str] = []
    for module in modules:
        name = module if keep_dotted else module.split(".", 1)[0]
        if keep_dotted and any(name.startswith(t + ".") for t in tops):
            continue
        tops.append(name)
    return list(dict.fromkeys(tops))


@detector("shell_code", features="strings", commands="strings")
def detect_shell(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Shell blocks with one of `features` (command, pipe, redirect, loop, and-or, subst, if,
    sed, awk, xargs, find-exec, heredoc) or running one of `commands`."""
    wanted = set(rule.get("features", ()))
    commands = set(rule.get("commands", ()))
    for block in facts.code:
        if block.lang != "shell":
            continue
        info = facts.shell(block)
        programs = tuple(dict.fromkeys(shell.command_name(c.argv) for c in info.commands))
        if commands:
            names = [n for n in programs if n in commands]
            if names:
                yield block.op, _names(names)
            continue
        if wanted == {"command"}:
            if "command" in info.features:
                count = len(info.commands)
                shown = _names(programs, 3)
                yield block.op, f"{count} command{'s' if count != 1 else ''}: {shown}"
            continue
        hits = sorted(info.features & wanted)
        if hits:
            yield block.op, _names(hits)


@detector(
    "code",
    required=("languages",),
    languages="strings",
    patterns="patterns",
    case_sensitive="bool",
)
def detect_code(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Code blocks in `languages` (canonical names), optionally matching `patterns` outside
    comments."""
    languages = set(rule.params["languages"])
    patterns: Patterns | None = rule.get("patterns")
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        if patterns is None:
            lines = sum(1 for ln in block.text.splitlines() if ln.strip())
            yield block.op, f"{lines} line{'s' if lines != 1 else ''}"
            continue
        code = facts.clean_code(block)
        hits = [clip(m.group(0), 30) for m in patterns.regex.finditer(code)]
        if hits:
            yield block.op, _names(hits, 3)


@detector("regex_code", required=("min_grade",), min_grade="int", patterns="patterns")
def detect_regex(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Code blocks with a regular expression of at least `min_grade` (see `regex_grade`), and
    matching `patterns` when given (e.g. only lookaround among the grade-3 features)."""
    floor = rule.params["min_grade"]
    patterns: Patterns | None = rule.get("patterns")
    for block in facts.code:
        if block.lang not in ("python", "shell", "javascript"):
            continue
        found = [
            (grade, regex)
            for grade, regex in facts.regexes(block)
            if grade >= floor and (patterns is None or patterns.regex.search(regex))
        ]
        if found:
            best = max(found)
            yield block.op, clip(best[1], 40)


@detector(
    "structured_example",
    required=("languages", "context"),
    languages="strings",
    context="patterns",
    exclude="patterns",
    min_depth="int",
    min_bytes="int",
)
def detect_structured(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """JSON/YAML blocks introduced as output (`context`, unless `exclude` says it is what a
    tool prints), at least `min_depth` deep or `min_bytes` long."""
    languages = set(rule.params["languages"])
    context: Patterns = rule.params["context"]
    exclude: Patterns | None = rule.get("exclude")
    min_depth = rule.get("min_depth", 1)
    min_bytes = rule.get("min_bytes")
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        intro = facts.context_text(block.op)
        if not context.regex.search(intro) or (exclude and exclude.regex.search(intro)):
            continue
        depth = structure_depth(block.text, block.lang)
        size = len(block.text.encode("utf-8"))
        if depth >= min_depth or (min_bytes is not None and size >= min_bytes):
            yield block.op, f"{block.lang.upper()}, {size} bytes, depth {depth}"


_TREE = re.compile(r"[├└│]|^\s*[\w.\-\[\]()+]+/\s*$", re.M)
_TEMPLATE_SLOT = re.compile(r"<[^<>\n]{1,40}>|\{[^{}\n]{1,40}\}|\[[^\[\]\n]{1,40}\]|_{3,}")


@detector(
    "output_template",
    required=("languages", "context"),
    languages="strings",
    context="patterns",
    min_placeholders="int",
)
def detect_template(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Text or Markdown blocks introduced as the answer's form, with placeholders to fill
    (directory trees are not templates)."""
    languages = set(rule.params["languages"])
    context: Patterns = rule.params["context"]
    floor = rule.get("min_placeholders", 1)
    for block in facts.code:
        if block.lang not in languages or not block.text.strip():
            continue
        if not context.regex.search(facts.context_text(block.op)) or _TREE.search(block.text):
            continue
        slots = _TEMPLATE_SLOT.findall(block.text)
        if len(slots) >= floor:
            yield block.op, f"{len(slots)} placeholder{'s' if len(slots) != 1 else ''}"


StepRun = tuple[Operation, list[Operation], list[Operation]]


def _step_runs(facts: SkillFacts) -> list[StepRun]:
    """(container, steps, walk roots) for each op holding a run of steps not inside a step;
    steps include nested steps and `Step N` subsections."""
    if facts.step_runs is not None:
        return facts.step_runs
    runs = []
    headings = facts.book.step_headings
    containers: dict[int, Operation] = {}
    for op in facts.by_name.get("skill.step", ()):
        parent = op.parent_op()
        if parent is not None and not isinstance(parent, skill.StepOp):
            containers.setdefault(id(parent), parent)
    for op in facts.by_name.get("skill.section", ()):
        parent = op.parent_op()
        if parent is not None and headings.match(op.title.data.strip()):  # type: ignore
            containers.setdefault(id(parent), parent)
    for op in sorted(containers.values(), key=lambda o: facts.order[id(o)]):
        if _inside_step(op, facts.root):
            continue
        children = list(op.regions[0].block.ops)
        top = [c for c in children if c.name == "skill.step"]
        sections = [
            c
            for c in children
            if c.name == "skill.section" and headings.match(c.title.data.strip())  # type: ignore
        ]
        if not top and len(sections) < 2:
            continue
        steps: list[Operation] = []
        for step in top:
            steps.extend(o for o in skill.walk_ops(step) if o.name == "skill.step")
        steps.extend(sections)
        runs.append((op, steps, [*top, *sections]))
    facts.step_runs = runs
    return runs


def _inside_step(op: Operation, root: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None and parent is not root:
        if isinstance(parent, skill.StepOp):
            return True
        parent = parent.parent_op()
    return False


@detector("procedure", required=("min_steps",), min_steps="int", patterns="patterns")
def detect_procedure(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Containers holding at least `min_steps` steps (nested ones count), and with `patterns`
    somewhere in the steps' text."""
    patterns: Patterns | None = rule.get("patterns")
    for container, steps, roots in _step_runs(facts):
        if len(steps) < rule.params["min_steps"]:
            continue
        detail = f"{len(steps)} steps"
        if patterns is not None:
            hit = patterns.regex.search(facts.run_text(container, roots))
            if hit is None:
                continue
            detail += f' with "{clip(hit.group(0).strip(" .;:,!?"), 30)}"'
        yield container, detail


@detector("exec_chain", required=("min_steps",), min_steps="int", patterns="patterns")
def detect_exec_chain(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Containers where at least `min_steps` steps run something: a shell block in the step,
    or step text matching `patterns` (a run instruction with inline code)."""
    patterns: Patterns | None = rule.get("patterns")
    shell_blocks = {id(b.op): b for b in facts.code if b.lang == "shell"}
    for container, steps, _ in _step_runs(facts):
        running = []
        for step in steps:
            if not isinstance(step, skill.StepOp):
                continue
            has_block = any(
                id(c) in shell_blocks and facts.shell(shell_blocks[id(c)]).commands
                for c in step.children
            )
            unit = facts.unit_of.get(id(step))
            says = patterns is not None and unit is not None and patterns.regex.search(unit.raw)
            if has_block or says:
                running.append(step)
        if len(running) >= rule.params["min_steps"]:
            numbers = ", ".join(str(s.number.data) for s in running[:6])  # type: ignore
            yield container, f"{len(running)} steps run commands: {numbers}"


@detector(
    "resource_refs",
    required=("kinds",),
    kinds="strings",
    context="patterns",
    also="patterns",
    in_code="bool",
)
def detect_resource_refs(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Ops referring to bundled files of `kinds`; with `context`, only where the text around
    the reference matches it (a reference inside a code block counts when `in_code`), and
    `also` when given."""
    kinds = set(rule.params["kinds"])
    context: Patterns | None = rule.get("context")
    also: Patterns | None = rule.get("also")
    in_code = rule.get("in_code", False)
    holders: dict[int, tuple[Operation, list[str]]] = {}
    judged: dict[int, bool] = {}  # a holder's text is searched once, however many refs it has
    for op in facts.by_name.get("skill.resource_ref", ()):
        if not isinstance(op, skill.ResourceRefOp) or op.kind.data not in kinds:
            continue
        holder = op.parent_op()
        if holder is None:
            continue
        if id(holder) not in judged:
            judged[id(holder)] = _refs_count_in(facts, holder, context, also, in_code)
        if judged[id(holder)]:
            holders.setdefault(id(holder), (holder, []))[1].append(op.path.data)
    for holder, paths in holders.values():
        yield holder, _names(paths, 3)


def _refs_count_in(
    facts: SkillFacts,
    holder: Operation,
    context: Patterns | None,
    also: Patterns | None,
    in_code: bool,
) -> bool:
    """Whether references held by `holder` count for a resource-ref rule (see below)."""
    text = facts.unit_of[id(holder)].masked if id(holder) in facts.unit_of else ""
    if isinstance(holder, skill.CodeOp):
        parent = holder.parent_op()
        if parent is not None and id(parent) in facts.unit_of:
            text += " " + facts.unit_of[id(parent)].masked
    in_run_code = in_code and isinstance(holder, skill.CodeOp)
    if context is not None and not in_run_code and not context.regex.search(text):
        return False
    return also is None or also.regex.search(text) is not None


@detector("constraints", required=("min_count",), min_count="int", modalities="strings")
def detect_constraints(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """The skill, when it holds at least `min_count` constraints (of `modalities`)."""
    allowed = rule.get("modalities")
    found = [
        op.modality.data
        for op in facts.by_name.get("skill.constraint", ())
        if isinstance(op, skill.ConstraintOp) and (allowed is None or op.modality.data in allowed)
    ]
    if len(found) >= rule.params["min_count"]:
        counts = Counter(found)
        shown = ", ".join(
            f"{counts[m]} {m.upper().replace('-', ' ')}" for m in skill.MODALITIES if m in counts
        )
        noun = "constraint" if len(found) == 1 else "constraints"
        yield facts.root, f"{len(found)} {noun} ({shown})"


@detector(
    "constraint_text",
    required=("patterns",),
    patterns="patterns",
    modalities="strings",
    case_sensitive="bool",
)
def detect_constraint_text(facts: SkillFacts, rule: Rule) -> Iterator[Finding]:
    """Ops holding a constraint (of `modalities`) whose sentence matches `patterns`."""
    allowed = rule.get("modalities")
    patterns: Patterns = rule.params["patterns"]
    done: set[int] = set()
    for op in facts.by_name.get("skill.constraint", ()):
        if not isinstance(op, skill.ConstraintOp):
            continue
        if allowed is not None and op.modality.data not in allowed:
            continue
        holder = op.parent_op()
        if holder is None or id(holder) in done:
            continue
        if patterns.regex.search(op.text.data):
            done.add(id(holder))
            yield holder, clip(op.text.data)


# --- inference -----------------------------------------------------------------------------


def construct_anchors(root: skill.SkillSkillOp, ids: Iterable[str]) -> dict[str, set[int]]:
    """For each requirement rule or construct named in `ids`, the `id()` of every op where its
    detector finds it (what a compensation guide is about is present there)."""
    book = load_rules()
    facts = SkillFacts(root, book)
    return {
        rule_id: {id(anchor) for anchor, _ in DETECTORS[rule.detector].fn(facts, rule)}
        for rule_id in dict.fromkeys(ids)
        for rule in (book.rule(rule_id),)
    }


def infer_requirements(root: skill.SkillSkillOp) -> list[Requirement]:
    """Every requirement the rules find in `root`: one per (op, primitive), the highest level
    any rule asked for there (the first rule in the file on ties), in document order, then by
    primitive."""
    book = load_rules()
    facts = SkillFacts(root, book)
    best: dict[tuple[int, str], tuple[Rule, Operation, str]] = {}
    for rule in book.rules:
        for anchor, detail in DETECTORS[rule.detector].fn(facts, rule):
            key = (id(anchor), rule.primitive)
            current = best.get(key)
            if current is None or rule.level > current[0].level:
                best[key] = (rule, anchor, detail)
    ordered = sorted(best.items(), key=lambda item: (facts.order[item[0][0]], item[0][1]))
    return [
        Requirement(rule.primitive, rule.level, anchor, rule.id, rule.explain(detail))
        for _, (rule, anchor, detail) in ordered
    ]


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = re.compile(f"[^\\W{_CJK}]+")


def no_requirement_reason(root: skill.SkillSkillOp) -> str | None:
    """Why `root` needs nothing, when no rule found anything; None when some rule did."""
    if infer_requirements(root):
        return None
    ops = skill.walk_ops(root)[1:]
    blocks = [op for op in ops if isinstance(op, skill.BLOCK_OPS)]
    if not blocks:
        return "the body is empty"
    text = " ".join(
        str(op.field("text") or "")  # type: ignore[attr-defined]
        for op in blocks
        if isinstance(op, (skill.ProseOp, skill.BulletOp, skill.StepOp, skill.QuoteOp))
    )
    words, cjk = len(_WORD.findall(text)), len(_CJK_CHAR.findall(text))
    if cjk > words:
        return (
            f"no rule matched: the text is mostly CJK ({cjk} characters), which the English "
            "phrase rules do not read"
        )
    steps = sum(isinstance(op, skill.StepOp) for op in ops)
    code = [op for op in ops if isinstance(op, skill.CodeOp)]
    if not code and steps < 3 and words < MIN_PROSE_WORDS:
        return f"the body has no actionable content (only prose under {MIN_PROSE_WORDS} words)"
    parts = [f"{words} words of prose"]
    if steps:
        parts.append(f"{steps} step{'s' if steps != 1 else ''}")
    if code:
        langs = sorted({op.lang.data or "unlabelled" for op in code})
        parts.append(f"code only in {', '.join(langs)}, which no rule covers")
    return "no rule matched: " + "; ".join(parts)


def distribution(requirements: Iterable[Requirement]) -> dict[str, Counter[int]]:
    """Primitive → count per level, primitives in catalog order."""
    table: dict[str, Counter[int]] = {}
    for req in requirements:
        table.setdefault(req.primitive, Counter())[req.level] += 1
    return {p: table[p] for p in PRIMITIVE_IDS if p in table}


def format_distribution(table: Mapping[str, Counter[int]]) -> str:
    """One line per primitive: `gen.code.shell  57  (L1 40, L2 12, L3 5)`."""
    lines = []
    for primitive, levels in table.items():
        per = ", ".join(f"L{lv} {levels[lv]}" for lv in sorted(levels))
        lines.append(f"{primitive:<22} {sum(levels.values()):>5}  ({per})")
    return "\n".join(lines)
