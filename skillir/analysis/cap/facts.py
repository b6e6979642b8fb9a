"""What the requirement detectors share about one `skill.skill` op (`SkillFacts`), and the code
analyses behind it: fence languages sniffed, Python imports and file I/O, shell commands (the
`sniff` reading of `skillir.frontend.shell`), regular expressions and their grades, structure depth.
"""

from __future__ import annotations

import ast
import bisect
import functools
import json
import re
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from xdsl.ir import Operation

from skillir.analysis.cap.rules import (
    TEXT_KINDS,
    Patterns,
    RuleBook,
    load_rules,
)
from skillir.dialects import skill
from skillir.frontend import shell
from skillir.frontend.languages import canonical
from skillir.regex_literals import fold_case

StepRun = tuple[Operation, list[Operation], list[Operation]]
# Between ops in the concatenated text: stops `[^.\n]` and `\s` from crossing op boundaries.
_SEP = "\n\0\n"


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
    def purpose(self) -> str:
        """The frontmatter block (name, description, ...), whitespace collapsed: what the skill
        is for, as its author states it."""
        return " ".join((self.root.field("frontmatter") or "").split())

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
    def command_words(self) -> frozenset[str]:
        """Lower-case words of the skill's shell commands, each also without leading dashes and
        without its file extension (`--report` and `report.html` give `report`)."""
        words: set[str] = set()
        for block in self.code:
            if block.lang == "shell":
                for command in self.shell(block).commands:
                    for word in command.argv:
                        word = word.lower().lstrip("-").rsplit("/", 1)[-1]
                        words.update((word, word.split(".", 1)[0]))
        return frozenset(words)

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
        case_sensitive = not patterns.regex.flags & re.IGNORECASE
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
# classes and quantifiers; anchors (`^`, `$`) and a wildcard run (`.*`, `.+`) alone leave a
# literal search (`^NAME=`, `^NAME=.*`, `".*"`) at 1
_RE_L2 = re.compile(
    r"\[[^\]]+\]|\\[dwsDWSbB]|(?<!\\)(?<![^\\]\.)(?<!^\.)[+*?]|(?<!\\)\{\d+(,\d*)?\}"
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
    """3: lookaround, backreferences, named groups; 2: classes or quantifiers; else 1 (a literal,
    anchored or with wildcard runs: `^VERCEL_TOKEN=` is a search for a line start, not a shape
    to check)."""
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
