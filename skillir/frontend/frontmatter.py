"""The YAML frontmatter block of a SKILL.md: finding it, loading it, and checking portability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import yaml

from skillir.diagnostics import DiagnosticSink


@dataclass(frozen=True)
class FrontmatterBlock:
    """Where the frontmatter sits in the file.

    `raw` is the block verbatim, both `---` delimiter lines included; `yaml` is the text
    between them. `first_line` is the 1-based file line of the first YAML line and
    `end_line` the line of the closing delimiter.
    """

    raw: str
    yaml: str
    first_line: int
    end_line: int


class UnterminatedFrontmatter(Exception):
    """The document opens a `---` block that no later `---` line closes."""


def _is_delimiter(line: str) -> bool:
    return line.rstrip(" \t\r\n") == "---"


def split_frontmatter(lines: list[str]) -> FrontmatterBlock | None:
    """Find the frontmatter at the top of `lines` (each keeping its line ending).

    Returns None when the first line is not a `---` delimiter. Raises
    `UnterminatedFrontmatter` when no closing delimiter follows.
    """
    if not lines or not _is_delimiter(lines[0]):
        return None
    for index in range(1, len(lines)):
        if _is_delimiter(lines[index]):
            return FrontmatterBlock(
                raw="".join(lines[: index + 1]),
                yaml="".join(lines[1:index]),
                first_line=2,
                end_line=index + 1,
            )
    raise UnterminatedFrontmatter()


class _Mark(Protocol):
    """A YAML position (PyYAML, libyaml or strictyaml's ruamel): 0-based line and column."""

    line: int
    column: int


@dataclass(frozen=True)
class Frontmatter:
    """The loaded frontmatter and where each top-level entry sits in the file.

    `data` is what `yaml.safe_load` returns, or None when the YAML is invalid or not a
    mapping. `nodes` maps each top-level key, as written, to its composed YAML value node
    (block-relative marks; a node's resolved tag says how YAML typed it). `key_pos` and
    `value_pos` give the 1-based file line and column of each key and value.
    """

    block: FrontmatterBlock
    data: dict | None
    key_pos: dict[str, tuple[int, int]]
    value_pos: dict[str, tuple[int, int]]
    nodes: dict[str, yaml.Node]

    def at(self, mark: _Mark) -> tuple[int, int]:
        """File line and column of a mark inside `block.yaml`."""
        return self.block.first_line + mark.line, mark.column + 1

    @property
    def opening(self) -> tuple[int, int]:
        """File line and column of the opening `---`."""
        return self.block.first_line - 1, 1


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Deeper YAML is refused before it is loaded: checking it (strictyaml's parser, the walk for
# an unconvertible scalar) recurses once per level.
MAX_YAML_DEPTH = 64
_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _too_deep(text: str) -> _Mark | None:
    """Where `text` opens a collection deeper than `MAX_YAML_DEPTH`, from its tokens (no
    recursion); None when it does not, or when it does not scan (the load reports that)."""
    if text.count("\n") + text.count("[") + text.count("{") <= MAX_YAML_DEPTH:
        return None  # each level opens on a line of its own or with a bracket
    depth = 0
    loader = _Loader(text)
    try:
        while (token := loader.get_token()) is not None:
            if isinstance(token, _OPENS):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return token.start_mark
            elif isinstance(token, _CLOSES):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def load_frontmatter(block: FrontmatterBlock, sink: DiagnosticSink) -> Frontmatter:
    """Parse `block.yaml` as `yaml.safe_load` would, keeping node positions.

    Invalid YAML gets one `yaml-invalid` error at its file position, a document that is not a
    mapping a `frontmatter-not-mapping` error; either way `data` is then None.
    """
    empty = Frontmatter(block, None, {}, {}, {})
    if (deep := _too_deep(block.yaml)) is not None:
        sink.error(
            *empty.at(deep),
            f"invalid YAML in frontmatter: collections nested deeper than {MAX_YAML_DEPTH} "
            "levels [yaml-invalid]",
        )
        return empty
    root: yaml.Node | None = None
    try:
        loader = _Loader(block.yaml)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = _yaml_mark(exc)
        line, col = empty.at(mark) if mark is not None else empty.opening
        problem = f"{exc.context}: {exc.problem}" if exc.context else exc.problem
        sink.error(line, col, f"invalid YAML in frontmatter: {problem} [yaml-invalid]")
        return empty
    except yaml.reader.ReaderError as exc:
        line, col = _offset_pos(block, block.yaml.find(chr(exc.character)))
        reason = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        sink.error(line, col, f"invalid YAML in frontmatter: {reason} [yaml-invalid]")
        return empty
    except (ValueError, OverflowError) as exc:  # a scalar typed by its form that does not convert
        node = _unconvertible(root)
        line, col = empty.at(node.start_mark) if node is not None else empty.opening
        what = f"cannot read {node.value!r} as {yaml_type(node)}: " if node is not None else ""
        sink.error(line, col, f"invalid YAML in frontmatter: {what}{exc} [yaml-invalid]")
        return empty
    if not isinstance(root, yaml.MappingNode):
        line, col = empty.at(root.start_mark) if root is not None else empty.opening
        sink.error(line, col, "frontmatter must be a YAML mapping [frontmatter-not-mapping]")
        return empty
    # After construction the root lists merged (`<<`) entries too; keys are scalars, since
    # construction rejects unhashable ones.
    nodes = {key.value: value for key, value in root.value}
    key_pos = {key.value: empty.at(key.start_mark) for key, _ in root.value}
    value_pos = {key: empty.at(value.start_mark) for key, value in nodes.items()}
    return Frontmatter(block, data, key_pos, value_pos, nodes)


def _yaml_mark(exc: yaml.MarkedYAMLError) -> _Mark | None:
    """The context mark when on the problem's line (there it marks the token), else the problem."""
    problem, context = exc.problem_mark, exc.context_mark
    if problem is not None and context is not None and context.line == problem.line:
        return context
    return problem or context


def _offset_pos(block: FrontmatterBlock, offset: int) -> tuple[int, int]:
    """File line and column of a character offset into `block.yaml` (clamped to its start)."""
    offset = max(offset, 0)
    line_start = block.yaml.rfind("\n", 0, offset) + 1
    return block.first_line + block.yaml.count("\n", 0, offset), offset - line_start + 1


def _unconvertible(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar under `node` that PyYAML's safe constructor cannot convert."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.constructor.SafeConstructor().construct_object(node)
        except (ValueError, OverflowError):
            return node
        return None
    if isinstance(node, yaml.SequenceNode):
        children: list[yaml.Node] = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        return None
    return next(filter(None, map(_unconvertible, children)), None)


def yaml_type(node: yaml.Node) -> str:
    """The YAML type a node resolved to: `int`, `float`, `bool`, `null`, `timestamp`, `str`…"""
    return node.tag.rsplit(":", 1)[-1]


_STRICT_REASONS = {
    "FlowMappingDisallowed": "flow-style collection ({...} or [...]); use block style or quote it",
    "AnchorTokenDisallowed": "anchor (&name); repeat the value instead",
    "TagTokenDisallowed": "explicit tag (!!type); drop it or quote the value",
    "InconsistentIndentationDisallowed": "mappings indented inconsistently",
}


def check_strict_portability(fm: Frontmatter, sink: DiagnosticSink) -> None:
    """Warn about frontmatter that PyYAML reads but skills-ref's readers do not.

    `yaml-strict`: strictyaml (skills-ref and some agents) rejects the YAML; one warning at
    strictyaml's error position. `frontmatter-dashes`: a `---` inside the block, where
    skills-ref (which splits the file on the first two `---`) ends the frontmatter early.
    Does nothing when the frontmatter already failed to load.
    """
    if fm.data is None:
        return
    import strictyaml  # costs ~55 ms; only validation needs it

    try:
        _strict_parse(fm.block.yaml)
    except strictyaml.YAMLError as exc:
        mark = _strict_mark(exc)
        line, col = fm.at(mark) if mark is not None else fm.opening
        reason = _STRICT_REASONS.get(type(exc).__name__) or exc.problem or str(exc)
        sink.warning(
            line,
            col,
            "frontmatter uses YAML that strict parsers reject (skills-ref/strictyaml): "
            f"{reason} [yaml-strict]",
        )
    for index, text in enumerate(fm.block.yaml.split("\n")):
        if (col := text.find("---")) >= 0:
            sink.warning(
                fm.block.first_line + index,
                col + 1,
                "'---' inside the frontmatter ends it early for readers that split the file on "
                "'---' (skills-ref) [frontmatter-dashes]",
            )
            break


def _strict_parse(text: str) -> None:
    """`strictyaml.load(text)` less its schema pass: the parse, which raises every error that
    strictyaml reports (`*Disallowed`, duplicate keys, syntax). Under the default `Any` schema
    the schema pass only converts what the parse accepted, but it finds each key with a scan of
    the mapping: quadratic, 24 s on 5,000 keys."""
    from strictyaml import ruamel
    from strictyaml.parser import StrictYAMLLoader

    loader = type(
        "SkillirStrictLoader",
        (StrictYAMLLoader,),
        {"label": "<unicode string>", "allow_flow_style": False},
    )
    ruamel.load(text, Loader=loader)


def _strict_mark(exc: Exception) -> _Mark | None:
    """Where strictyaml's error points: the disallowed token's start, else the problem."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if type(exc).__name__.endswith("Disallowed") and problem and context:
        return min(problem, context, key=lambda m: (m.line, m.column))
    return problem or context
