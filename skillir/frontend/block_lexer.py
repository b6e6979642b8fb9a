"""Line classifier feeding the block grammar (`grammar/skill.lark`).

Markdown block structure is decided line by line with a little state (open fence, open
paragraph, the stack of list items), which a context-free grammar cannot express. This lexer
types each line by that state, emits a zero-width `_DEDENT` token where a list item ends, and
gives a run of consecutive lines of a repeatable type (`TEXT`, `CODE`, `BLANK` ...) one token
spanning them (`line` to `end_line`); the grammar then assembles blocks from them. Such a run
always belongs to one block (only a line of another type ends a paragraph, a table, ...), and
feeding Lark one token per run instead of one per line halves its work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lark import Token
from lark.lexer import Lexer

from skillir.diagnostics import DiagnosticSink
from skillir.frontend.frontmatter import FrontmatterBlock

# Every pattern here runs on untrusted lines: no two adjacent quantifiers may match the same
# character (`[ \t]+[^<>]*`, `[ \t]*\|?[ \t]*`), or a long line of spaces makes the match
# quadratic; possessive quantifiers (`*+`) keep the engine from backtracking where no other
# split can match. `tests/test_hostile_inputs.py` times each on such lines.
FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
ATX_RE = re.compile(r"^[ \t]*(#{1,6})(?:[ \t]+|$)")
SETEXT_RE = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")
RULE_RE = re.compile(r"^[ \t]*+([-*_])(?:[ \t]*+\1){2,}+[ \t]*+$")
BULLET_RE = re.compile(r"^([ \t]*)([-*+])([ \t]+|$)")
ORDERED_RE = re.compile(r"^([ \t]*)(\d{1,9})([.)])([ \t]+|$)")
# CommonMark HTML block starts: comments, processing instructions, declarations, block-level
# tags (anything may follow), and any other tag only when it stands alone on its line.
BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|"
    "head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|"
    "option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul|"
    "pre|script|style|textarea"
)
HTML_RE = re.compile(
    r"^[ \t]{0,3}<(?:!--|\?|![A-Za-z]|/?(?:" + BLOCK_TAGS + r")(?:[ \t/>]|$))"
    r"|^[ \t]{0,3}</?[A-Za-z][A-Za-z0-9-]*+(?:[ \t][^<>]*+)?/?>[ \t]*+$",
    re.IGNORECASE,
)
TABLE_DELIM_RE = re.compile(
    r"^[ \t]*+(?:\|[ \t]*+)?:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+(?:\|[ \t]*+)?$"
)
MAX_LIST_DEPTH = 64


class NestingTooDeep(Exception):
    """A list item nested deeper than `MAX_LIST_DEPTH` (1-based line and column of its marker)."""

    def __init__(self, line: int, col: int):
        super().__init__(f"lists nested deeper than {MAX_LIST_DEPTH} levels")
        self.line = line
        self.col = col


def columns(line: str) -> int:
    """Width of the leading whitespace, tabs advancing to the next multiple of 4."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def list_marker(line: str) -> re.Match[str] | None:
    """The bullet or ordered-list marker that opens `line`, if any (thematic breaks excluded)."""
    return _list_marker(line, line.lstrip(" \t")[:1])


def _list_marker(line: str, first: str) -> re.Match[str] | None:
    """`list_marker`, given the first character of `line` after spaces and tabs (the patterns
    are only tried where that character can start them)."""
    if first in "-*_" and RULE_RE.match(line):
        return None
    if first in "-*+":
        return BULLET_RE.match(line)
    return ORDERED_RE.match(line) if first.isdecimal() else None


@dataclass
class SourceLines:
    """The document as the lexer sees it: lines keeping their endings, and the frontmatter."""

    lines: list[str]
    frontmatter: FrontmatterBlock | None
    sink: DiagnosticSink


@dataclass
class _Fence:
    char: str
    length: int


@dataclass
class _State:
    items: list[int] = field(default_factory=list)  # marker column of each open list item
    fence: _Fence | None = None
    paragraph: bool = False
    lead: bool = False  # the open paragraph is the lead text of a list item
    html: str | None = None  # "comment" (ends at -->) or "block" (ends at a blank line)
    table: bool = False
    indented_code: bool = False
    dedents: int = 0  # list items closed by the current line
    # Inside a run of blank lines in indented code: the index of the next non-blank line and
    # whether it continues the code, found once per run (not once per blank line).
    blanks_end: int = -1
    blanks_resume: bool = False


# Line types that repeat within one block: a run of them becomes one token.
MERGED = frozenset(("TEXT", "LEAD", "CODE", "INDENTED", "TABLE_ROW", "QUOTE", "HTML", "BLANK"))


class BlockLexer(Lexer):
    """Lark lexer over `SourceLines`; see the module docstring."""

    def __init__(self, lexer_conf) -> None:  # noqa: ANN001 - Lark's signature
        pass

    def lex(self, data: SourceLines, parser_state=None) -> Iterator[Token]:  # noqa: ANN001
        lines = data.lines
        state = _State()
        start = 0
        if data.frontmatter is not None:
            start = data.frontmatter.end_line
            yield _token("FRONTMATTER", lines, 0, start)
        mixed_tabs = False
        run, run_start = "", start  # the pending run of lines ("" for none) and its first line
        for index in range(start, len(lines)):
            content = lines[index].rstrip("\r\n")
            body = content.lstrip(" \t")
            if "\t" in content and not mixed_tabs:
                lead = content[: len(content) - len(body)]
                if " " in lead and "\t" in lead:
                    mixed_tabs = True
                    data.sink.warning(
                        index + 1, 1, "indentation mixes tabs and spaces (tab stops of 4 assumed)"
                    )
            first = body[:1]
            if state.fence is not None and first != state.fence.char:
                kind = "CODE"  # the common case of `_classify`'s first branch, without a call
            else:
                kind = self._classify(lines, index, content, first, state)
            if kind == run and not state.dedents:
                continue
            if run:
                yield _token(run, lines, run_start, index)
            for _ in range(state.dedents):
                yield _token("_DEDENT", lines, index, index)
            state.dedents = 0
            if kind in MERGED:
                run, run_start = kind, index
            else:
                run = ""
                yield _token(kind, lines, index, index + 1)
        if run:
            yield _token(run, lines, run_start, len(lines))
        for _ in state.items:
            yield _token("_DEDENT", lines, len(lines), len(lines))

    def _classify(
        self, lines: list[str], index: int, content: str, first: str, state: _State
    ) -> str:
        """The type of line `index` (`content` without its ending, `first` its first character
        after spaces and tabs); counts the list items it closes in `state.dedents`."""
        if state.fence is not None:
            if first == state.fence.char:
                match = FENCE_RE.match(content)
                if (
                    match
                    and len(match.group(1)) >= state.fence.length
                    and not match.group(2).strip()
                ):
                    state.fence = None
                    return "FENCE_END"
            return "CODE"
        if state.html == "comment":
            if "-->" in content:
                state.html = None
            return "HTML"
        if not content.strip():
            state.paragraph = state.lead = state.table = False
            if state.html == "block":
                state.html = None
            if state.indented_code and self._indented_code_resumes(lines, index, state):
                return "INDENTED"
            state.indented_code = False
            return "BLANK"

        col = columns(content)
        marker = _list_marker(content, first)
        lazy = (
            state.paragraph
            and marker is None
            and not self._interrupts(content, first)
            and not ("|" in content and self._table_follows(lines, index))
        )
        if not lazy:
            while state.items and col <= state.items[-1]:
                state.items.pop()
                state.paragraph = state.lead = state.table = state.indented_code = False
                state.html = None
                state.dedents += 1
        base = state.items[-1] + 1 if state.items else 0

        if state.html == "block":
            return "HTML"
        if state.indented_code and col - base >= 4:
            return "INDENTED"
        state.indented_code = False
        if state.table and "|" in content:
            return "TABLE_ROW"
        state.table = False
        if lazy:
            return "LEAD" if state.lead else "TEXT"
        if (
            state.paragraph
            and not state.lead
            and first in "=-"
            and SETEXT_RE.match(content)
            and col - base < 4
        ):
            state.paragraph = False
            return "SETEXT"
        if not state.paragraph and col - base >= 4 and marker is None:
            state.indented_code = True
            return "INDENTED"
        state.paragraph = state.lead = False
        if first in "`~" and (fence := FENCE_RE.match(content)):
            if fence.group(1)[0] != "`" or "`" not in fence.group(2):
                state.fence = _Fence(fence.group(1)[0], len(fence.group(1)))
                return "FENCE"
        if first == "#" and ATX_RE.match(content):
            return "ATX"
        if first in "-*_" and RULE_RE.match(content):
            return "RULE"
        if marker is not None:
            if len(state.items) >= MAX_LIST_DEPTH:
                raise NestingTooDeep(index + 1, len(content) - len(content.lstrip(" \t")) + 1)
            state.items.append(col)
            state.paragraph = state.lead = bool(content[marker.end() :].strip())
            return "ITEM"
        if first == ">":
            return "QUOTE"
        if first == "<" and HTML_RE.match(content):
            state.html = "comment" if content.lstrip().startswith("<!--") else "block"
            if state.html == "comment" and "-->" in content:
                state.html = None
            return "HTML"
        if "|" in content and self._table_follows(lines, index):
            state.table = True
            return "TABLE_ROW"
        state.paragraph = True
        return "TEXT"

    @staticmethod
    def _interrupts(content: str, first: str) -> bool:
        """Whether a line ends an open paragraph instead of continuing it: a fence, heading,
        thematic break, quote or setext underline."""
        if first in "`~":
            return bool(FENCE_RE.match(content))
        if first in "#>":
            return first == ">" or bool(ATX_RE.match(content))
        return first in "-*_=" and bool(RULE_RE.match(content) or SETEXT_RE.match(content))

    @staticmethod
    def _table_follows(lines: list[str], index: int) -> bool:
        return index + 1 < len(lines) and bool(
            TABLE_DELIM_RE.match(lines[index + 1].rstrip("\r\n"))
        )

    @staticmethod
    def _indented_code_resumes(lines: list[str], index: int, state: _State) -> bool:
        """Whether the indented code open before blank line `index` goes on after the blank
        lines; the answer holds for the whole run of blanks (blank lines close no item)."""
        if index >= state.blanks_end:
            base = state.items[-1] + 1 if state.items else 0
            end = index + 1
            while end < len(lines) and not lines[end].strip():
                end += 1
            state.blanks_end = end
            state.blanks_resume = end < len(lines) and columns(lines[end]) - base >= 4
        return state.blanks_resume


def _token(kind: str, lines: list[str], start: int, end: int) -> Token:
    """A token of type `kind` spanning `lines[start:end]` (zero-width when `start == end`)."""
    if end == start:
        return Token(kind, "", None, start + 1, 1, start + 1, 1)
    value = lines[start] if end - start == 1 else "".join(lines[start:end])
    # positional (type, value, start_pos, line, column, end_line, end_column): twice as fast
    return Token(kind, value, None, start + 1, 1, end, len(lines[end - 1]) + 1)
