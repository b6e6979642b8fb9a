"""Line classifier feeding the block grammar (`grammar/skill.lark`).

Markdown block structure is decided line by line with a little state (open fence, open
paragraph, the stack of list items), which a context-free grammar cannot express. This lexer
emits one token per line, typed by that state, plus zero-width `_INDENT`/`_DEDENT` tokens
around the content of each list item; the grammar then assembles blocks from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lark import Token
from lark.lexer import Lexer

from skillir.diagnostics import DiagnosticSink
from skillir.frontmatter import FrontmatterBlock

FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
ATX_RE = re.compile(r"^[ \t]*(#{1,6})(?:[ \t]+|$)")
SETEXT_RE = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")
RULE_RE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
BULLET_RE = re.compile(r"^([ \t]*)([-*+])([ \t]+|$)")
ORDERED_RE = re.compile(r"^([ \t]*)(\d{1,9})([.)])([ \t]+|$)")
QUOTE_RE = re.compile(r"^[ \t]*>")
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
    r"|^[ \t]{0,3}</?[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[^<>]*)?/?>[ \t]*$",
    re.IGNORECASE,
)
TABLE_DELIM_RE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


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
    if RULE_RE.match(line):
        return None
    return BULLET_RE.match(line) or ORDERED_RE.match(line)


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
            yield _token("FRONTMATTER", data.frontmatter.raw, 1)
        mixed_tabs = 0
        for index in range(start, len(lines)):
            line = lines[index]
            content = line.rstrip("\r\n")
            lineno = index + 1
            lead = content[: len(content) - len(content.lstrip(" \t"))]
            if " " in lead and "\t" in lead:
                mixed_tabs += 1
                if mixed_tabs == 1:
                    data.sink.warning(
                        lineno, 1, "indentation mixes tabs and spaces (tab stops of 4 assumed)"
                    )
            yield from self._classify(lines, index, content, lineno, state)
        for _ in state.items:
            yield _token("_DEDENT", "", len(lines) + 1)

    def _classify(
        self, lines: list[str], index: int, content: str, lineno: int, state: _State
    ) -> Iterator[Token]:
        raw = lines[index]
        if state.fence is not None:
            match = FENCE_RE.match(content)
            if (
                match
                and match.group(1)[0] == state.fence.char
                and len(match.group(1)) >= state.fence.length
                and not match.group(2).strip()
            ):
                state.fence = None
                yield _token("FENCE_END", raw, lineno)
            else:
                yield _token("CODE", raw, lineno)
            return
        if state.html == "comment":
            if "-->" in content:
                state.html = None
            yield _token("HTML", raw, lineno)
            return
        if not content.strip():
            state.paragraph = state.lead = state.table = False
            if state.html == "block":
                state.html = None
            if state.indented_code and self._indented_code_resumes(lines, index, state):
                yield _token("INDENTED", raw, lineno)
            else:
                state.indented_code = False
                yield _token("BLANK", raw, lineno)
            return

        col = columns(content)
        marker = list_marker(content)
        lazy = (
            state.paragraph
            and marker is None
            and not self._interrupts(content)
            and not ("|" in content and self._table_follows(lines, index))
        )
        if not lazy:
            while state.items and col <= state.items[-1]:
                state.items.pop()
                state.paragraph = state.lead = state.table = state.indented_code = False
                state.html = None
                yield _token("_DEDENT", "", lineno)
        base = state.items[-1] + 1 if state.items else 0

        if state.html == "block":
            yield _token("HTML", raw, lineno)
            return
        if state.indented_code and col - base >= 4:
            yield _token("INDENTED", raw, lineno)
            return
        state.indented_code = False
        if state.table and "|" in content:
            yield _token("TABLE_ROW", raw, lineno)
            return
        state.table = False
        if lazy:
            yield _token("LEAD" if state.lead else "TEXT", raw, lineno)
            return
        if state.paragraph and not state.lead and SETEXT_RE.match(content) and col - base < 4:
            state.paragraph = False
            yield _token("SETEXT", raw, lineno)
            return
        if not state.paragraph and col - base >= 4 and marker is None:
            state.indented_code = True
            yield _token("INDENTED", raw, lineno)
            return
        state.paragraph = state.lead = False
        if fence := FENCE_RE.match(content):
            if fence.group(1)[0] != "`" or "`" not in fence.group(2):
                state.fence = _Fence(fence.group(1)[0], len(fence.group(1)))
                yield _token("FENCE", raw, lineno)
                return
        if ATX_RE.match(content):
            yield _token("ATX", raw, lineno)
        elif RULE_RE.match(content):
            yield _token("RULE", raw, lineno)
        elif marker is not None:
            state.items.append(col)
            state.paragraph = state.lead = bool(content[marker.end() :].strip())
            yield _token("ITEM", raw, lineno)
            yield _token("_INDENT", "", lineno)
        elif QUOTE_RE.match(content):
            yield _token("QUOTE", raw, lineno)
        elif HTML_RE.match(content):
            state.html = "comment" if content.lstrip().startswith("<!--") else "block"
            if state.html == "comment" and "-->" in content:
                state.html = None
            yield _token("HTML", raw, lineno)
        elif "|" in content and self._table_follows(lines, index):
            state.table = True
            yield _token("TABLE_ROW", raw, lineno)
        else:
            state.paragraph = True
            yield _token("TEXT", raw, lineno)

    @staticmethod
    def _interrupts(content: str) -> bool:
        """Whether a line ends an open paragraph instead of continuing it."""
        return bool(
            FENCE_RE.match(content)
            or ATX_RE.match(content)
            or RULE_RE.match(content)
            or QUOTE_RE.match(content)
            or SETEXT_RE.match(content)
        )

    @staticmethod
    def _table_follows(lines: list[str], index: int) -> bool:
        return index + 1 < len(lines) and bool(
            TABLE_DELIM_RE.match(lines[index + 1].rstrip("\r\n"))
        )

    @staticmethod
    def _indented_code_resumes(lines: list[str], index: int, state: _State) -> bool:
        base = state.items[-1] + 1 if state.items else 0
        for later in lines[index + 1 :]:
            if later.strip():
                return columns(later) - base >= 4
        return False


def _token(kind: str, value: str, line: int) -> Token:
    return Token(kind, value, line=line, column=1, end_line=line, end_column=len(value) + 1)
