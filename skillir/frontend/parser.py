"""SKILL.md → `skill` IR: decode, find the frontmatter, parse blocks with the Lark grammar and
build ops top-down (a container's indentation decides how its children's text is stored)."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache, lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from xdsl.dialects.builtin import IntAttr, ModuleOp
from xdsl.ir import Block, Operation

from skillir.diagnostics import Diagnostic, DiagnosticSink
from skillir.dialects import skill
from skillir.frontend import inline
from skillir.frontend.block_lexer import (
    ATX_RE,
    FENCE_RE,
    BlockLexer,
    NestingTooDeep,
    SourceLines,
    columns,
    list_marker,
)
from skillir.frontend.frontmatter import (
    UnterminatedFrontmatter,
    load_frontmatter,
    split_frontmatter,
)
from skillir.frontend.markdown import canonical_text, item_width

MAX_BYTES = 8 * 1024 * 1024
_NEWLINE = re.compile("\n")


@cache
def block_parser() -> Lark:
    grammar = (Path(__file__).parents[1] / "grammar" / "skill.lark").read_text()
    return Lark(grammar, parser="lalr", lexer=BlockLexer, cache=True)


def decode(data: bytes, sink: DiagnosticSink) -> str:
    """UTF-8 text of a SKILL.md, or a positioned fatal error for empty, binary or bad bytes."""
    if not data.strip():
        raise sink.fatal(1, 1, "file is empty: a SKILL.md needs YAML frontmatter and a body")
    if len(data) > MAX_BYTES:
        raise sink.fatal(
            1, 1, f"file is {len(data) // (1024 * 1024)} MiB; SKILL.md files over 8 MiB are refused"
        )
    if b"\0" in data[:8192]:
        raise sink.fatal(1, 1, "binary file (contains NUL bytes), not a SKILL.md")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        col = len(data[line_start : err.start].decode("utf-8", "replace")) + 1
        raise sink.fatal(line, col, f"invalid UTF-8 (byte 0x{data[err.start]:02x})") from None


def parse_skill(data: bytes, path: str, sink: DiagnosticSink) -> ModuleOp:
    """Parse SKILL.md bytes into a module holding one `skill.skill` op."""
    text = decode(data, sink)
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    crlf = "\r\n" in text and text.count("\n") == text.count("\r\n") == text.count("\r")
    if crlf:
        text = text.replace("\r\n", "\n")
    lines = _lines_of(text)
    sink.lines = lines
    try:
        block = split_frontmatter(lines)
    except UnterminatedFrontmatter:
        raise sink.fatal(
            1, 1, "frontmatter opened here is not closed with '---' [frontmatter-unterminated]"
        ) from None
    name = ""
    if block is None:
        sink.warning(1, 1, "no YAML frontmatter ('---' on the first line); this is not a skill yet")
    else:
        data_map = load_frontmatter(block, sink).data
        if isinstance(data_map, dict) and isinstance(data_map.get("name"), str):
            name = data_map["name"]
    tree, failure, warnings = _block_tree(text)
    for diag in warnings:
        sink.emit(diag.severity, diag.pos.line, diag.pos.col, diag.message)
    if failure is not None:
        raise sink.fatal(*failure)
    assert tree is not None
    builder = _Builder(lines, sink)
    children = tree.children
    head = [c for c in children if isinstance(c, Token)]
    blank = "".join(t for t in head if t.type == "BLANK")
    root = skill.SkillSkillOp.build_op(
        span=skill.SpanAttr((1, 1, max(len(lines), 1), 1)),
        name=name,
        frontmatter=block.raw if block else None,
        path=path,
        eol="crlf" if crlf else None,
        bom=bom,
        blank=blank or None,
        children=builder.blocks([c for c in children if isinstance(c, Tree)], 0),
    )
    return ModuleOp([root])


def _lines_of(text: str) -> list[str]:
    """The lines of a document (BOM and CRLF already normalised), each keeping its ending."""
    return text.splitlines(True) if "\r" not in text else _split_on_newline(text)


_Failure = tuple[int, int, str]  # line, column and message of a refused document


@lru_cache(maxsize=256)
def _block_tree(text: str) -> tuple[Tree | None, _Failure | None, tuple[Diagnostic, ...]]:
    """The block parse of a document whose frontmatter is well formed, or where and why it
    was refused, with the lexer's warnings; kept, as a skill compiled for several targets is
    parsed again."""
    lines = _lines_of(text)
    recorder = DiagnosticSink(lines=lines)
    try:
        tree = block_parser().parse(SourceLines(lines, split_frontmatter(lines), recorder))
    except NestingTooDeep as err:
        return None, (err.line, err.col, str(err)), tuple(recorder.diagnostics)
    except UnexpectedInput as err:  # the lexer only emits sequences the grammar accepts
        failure = (err.line, 1, f"cannot parse block structure: {err}")
        return None, failure, tuple(recorder.diagnostics)
    return tree, None, tuple(recorder.diagnostics)


def clear_caches() -> None:
    """Forget the parses kept for inputs seen again (block trees, inline scans), so the next
    parse is timed cold (`bench/hostile_inputs.py`)."""
    _block_tree.cache_clear()
    inline.scan.cache_clear()
    inline.scan_table.cache_clear()


def _split_on_newline(text: str) -> list[str]:
    """Lines split on `\\n` only, keeping any `\\r` in the text (mixed line endings)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return lines + ([parts[-1]] if parts[-1] else [])


def strip_columns(line: str, width: int) -> str:
    """Remove up to `width` columns of leading whitespace (a tab that would overshoot stays)."""
    if not width:
        return line
    col = 0
    for index, ch in enumerate(line):
        if col >= width or ch not in " \t":
            return line[index:]
        step = 1 if ch == " " else 4 - col % 4
        if col + step > width:
            return line[index:]
        col += step
    return ""


def _content(line: str) -> str:
    return line[:-1] if line.endswith("\n") else line


def _nests_blocks(op: Operation) -> bool:
    """Whether `op` holds blocks (not only annotations), which render at its child indent."""
    return any(not isinstance(child, skill.ANNOTATION_OPS) for child in op.regions[0].block.ops)


def previous_written(step: skill.StepOp) -> int:
    """The number a parsed step was written with (its `raw` marker, else its number)."""
    raw = step.field("raw")
    match = list_marker(raw) if isinstance(raw, str) else None
    return int(match.group(2)) if match and match.re.groups == 4 else step.number.data


class _Builder:
    def __init__(self, lines: list[str], sink: DiagnosticSink):
        self.lines = lines
        self.sink = sink

    def _own(self, children: list[Tree | Token]) -> tuple[list[Token], list[str], str]:
        """A block's tokens other than blank lines, the lines they span (each keeping its
        ending; blank lines only trail a block, so these are contiguous), and the blank lines."""
        tokens: list[Token] = []
        blank = ""
        for child in children:
            if isinstance(child, Token):
                if child.type == "BLANK":
                    blank += child
                else:
                    tokens.append(child)
        return tokens, self.lines[tokens[0].line - 1 : tokens[-1].end_line], blank

    def blocks(self, trees: list[Tree], indent: int) -> list[Operation]:
        """Build sibling blocks and fold headings into nested sections."""
        out: list[Operation] = []
        open_sections: list[tuple[int, Block]] = []  # level and body of each open section
        for tree in trees:
            op = self.block(tree, indent)
            is_section = type(op) is skill.SectionOp
            if is_section:
                level = op.properties["level"].data
                while open_sections and open_sections[-1][0] >= level:
                    open_sections.pop()
            target = open_sections[-1][1] if open_sections else None
            last = target.last_op if target is not None else (out[-1] if out else None)
            if type(op) is skill.StepOp and type(last) is skill.StepOp:
                self._renumber(op, last, indent)
            if target is not None:
                target.add_op(op)
            else:
                out.append(op)
            if is_section:
                open_sections.append((level, op.body.block))
        return out

    def _renumber(self, step: skill.StepOp, previous: skill.StepOp, indent: int) -> None:
        """Give a step its ordinal in its list (Markdown ignores the numbers after the first);
        the number as written stays in `raw`. A change of delimiter starts a new list."""
        if step.field("delim") != previous.field("delim"):
            return
        ordinal = previous.number.data + 1
        written = step.number.data
        if written == ordinal:
            return
        source = step.field("raw") or canonical_text(step, indent)
        width = item_width(step)
        step.properties["number"] = IntAttr(ordinal)
        step.properties["raw"] = skill.TextAttr(source)
        if step.field("indent") is None and item_width(step) != width and _nests_blocks(step):
            step.properties["indent"] = IntAttr(width)  # the children stay where they were
        if written != previous_written(previous):
            line, col = step.span.data[:2] if step.span else (1, 1)
            self.sink.warning(
                line, col, f"step is numbered {written} but is step {ordinal} of its list"
            )

    def _finish(
        self, op: skill.SkillOp, own: list[str], first_line: int, indent: int
    ) -> skill.SkillOp:
        """Set the span, and `raw` where the canonical rendering differs from the source."""
        first, last = own[0], own[-1]
        lead = len(first) - len(first.lstrip(" \t"))
        op.properties["span"] = skill.SpanAttr(
            (first_line, lead + 1, first_line + len(own) - 1, max(len(_content(last)), 1))
        )
        source = "".join(own)
        if canonical_text(op, indent) != source:
            op.properties["raw"] = skill.TextAttr(source)
        return op

    def _annotate(
        self, op: skill.SkillOp, text: str, first_line: int, prose: bool = True, table: bool = False
    ) -> None:
        """Add constraint / resource_ref ops found in `text`, whose line 0 is `first_line`."""
        spans = inline.scan_table(text) if table else inline.scan(text, prose)
        if not spans:
            return
        block = op.body.block
        # Start offset of each line of `text`, and per row the columns its source line has
        # before it (the container's indentation): found once, as a text may hold thousands.
        starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        shifts: dict[int, int] = {}
        for found in spans:
            row = bisect_right(starts, found.offset) - 1
            line_start = starts[row]
            if row not in shifts:
                line_end = starts[row + 1] - 1 if row + 1 < len(starts) else len(text)
                rel_line = text[line_start:line_end]
                src = self.lines[first_line + row - 1].rstrip("\r\n")
                shifts[row] = len(src) - len(rel_line) if src.endswith(rel_line) else 0
            col = shifts[row] + found.offset - line_start + 1
            if isinstance(found, inline.OutsideLink):
                self.sink.warning(
                    first_line + row,
                    col,
                    f"link target '{found.target}' is outside the skill folder; "
                    "it is not a bundled file",
                )
                continue
            span = skill.SpanAttr((first_line + row, col, first_line + row, col))
            if isinstance(found, inline.Constraint):
                ann = skill.ConstraintOp.build_op(span, modality=found.modality, text=found.text)
            else:
                ann = skill.ResourceRefOp.build_op(
                    span, path=found.path, kind=found.kind, link=found.link
                )
            block.add_op(ann)

    def block(self, tree: Tree, indent: int) -> Operation:
        kind = tree.data
        if kind == "item":
            return self.item(tree, indent)
        tokens, own, blank = self._own(tree.children)
        blank_arg = blank or None
        first_line = tokens[0].line
        if kind == "paragraph":
            text = "\n".join([strip_columns(_content(line), indent) for line in own])
            op = skill.ProseOp.build_op(text=text, blank=blank_arg)
            self._annotate(op, text, first_line)
        elif kind == "heading":
            line = _content(own[0]).strip()
            level = len(ATX_RE.match(line).group(1))
            title = line[level:].strip()
            closing = title.rstrip("#")
            if closing != title and (not closing or closing[-1] in " \t"):
                title = closing.strip()
            op = skill.SectionOp.build_op(level=level, title=title, blank=blank_arg)
        elif kind == "setext":
            title = " ".join([_content(line).strip() for line in own[:-1]])
            level = 1 if own[-1].strip().startswith("=") else 2
            op = skill.SectionOp.build_op(level=level, title=title, blank=blank_arg)
        elif kind == "fenced":
            op = self.fenced(own, first_line, tokens[-1].type == "FENCE_END", indent, blank_arg)
        elif kind == "indented":
            text = "".join(
                [strip_columns(line, indent + 4) if line.strip() else line for line in own]
            )
            op = skill.CodeOp.build_op(lang="", text=text, fence="", blank=blank_arg)
            self._annotate(op, text, first_line, prose=False)
        elif kind == "quote":
            quoted = []
            for line in own:
                body = strip_columns(_content(line), indent).lstrip(" \t")[1:]
                quoted.append(body[1:] if body.startswith(" ") else body)
            text = "\n".join(quoted)
            op = skill.QuoteOp.build_op(text=text, blank=blank_arg)
            self._annotate(op, text, first_line)
        elif kind in ("table", "html"):
            text = "\n".join([strip_columns(_content(line), indent) for line in own])
            cls = skill.TableOp if kind == "table" else skill.HtmlOp
            op = cls.build_op(text=text, blank=blank_arg)
            if kind == "table":
                self._annotate(op, text, first_line, table=True)
        else:  # rule
            op = skill.RuleOp.build_op(blank=blank_arg)
        return self._finish(op, own, first_line, indent)

    def fenced(
        self, own: list[str], first_line: int, closed: bool, indent: int, blank: str | None
    ) -> skill.CodeOp:
        match = FENCE_RE.match(_content(own[0]))
        assert match is not None
        fence, info = match.group(1), match.group(2).strip()
        body = own[1:-1] if closed else own[1:]
        width = columns(own[0])
        text = "".join([strip_columns(line, width) for line in body])
        lang = info.split()[0] if info else ""
        if not closed:
            self.sink.warning(
                first_line,
                width + 1,
                "code fence is not closed; the code block runs to the end of the file",
            )
        op = skill.CodeOp.build_op(
            lang=lang,
            text=text,
            info=info if info != lang else None,
            fence=fence if fence != "```" else None,
            unclosed=not closed,
            blank=blank,
        )
        self._annotate(op, text, first_line + 1, prose=False)
        return op

    def item(self, tree: Tree, indent: int) -> Operation:
        tokens, own, blank = self._own(tree.children)
        first_line = tokens[0].line
        subtrees = [t for t in tree.children if isinstance(t, Tree)]
        marker_line = _content(own[0])
        match = list_marker(marker_line)
        assert match is not None
        first = marker_line[match.end() :]
        if match.re.groups == 4:  # ordered: indent, number, delimiter, space
            op = skill.StepOp.build_op(
                number=int(match.group(2)),
                text="",
                delim=match.group(3) if match.group(3) != "." else None,
            )
        else:
            op = skill.BulletOp.build_op(
                text="", marker=match.group(2) if match.group(2) != "-" else None
            )
        width = item_width(op)
        rest = [strip_columns(_content(line), indent + width) for line in own[1:]]
        text = "\n".join([first, *rest]) if rest else first
        op.properties["text"] = skill.TextAttr(text)
        if blank:
            op.properties["blank"] = skill.TextAttr(blank)
        child_col = indent + width
        if subtrees:
            child_col = columns(subtrees[0].children[0])  # every block opens with a token
        if child_col - indent != width:
            op.properties["indent"] = IntAttr(child_col - indent)
        self._annotate(op, text, first_line)
        if subtrees:
            op.body.block.add_ops(self.blocks(subtrees, child_col))
        return self._finish(op, own, first_line, indent)
