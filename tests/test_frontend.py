"""The SKILL.md frontend: block structure, inline annotations, exact round trip, bad input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skillir.diagnostics import DiagnosticError, DiagnosticSink, Severity
from skillir.dialects import skill
from skillir.frontend import inline
from skillir.frontend.block_lexer import MAX_LIST_DEPTH, BlockLexer, SourceLines
from skillir.frontend.frontmatter import MAX_YAML_DEPTH
from skillir.frontend.markdown import render_module
from skillir.frontend.parser import parse_skill

from .conftest import corpus_skill_files

FM = "---\nname: demo\ndescription: A demo skill.\n---\n"


def parse(text: str | bytes, path: str = "SKILL.md") -> tuple[skill.SkillSkillOp, DiagnosticSink]:
    data = text.encode() if isinstance(text, str) else text
    sink = DiagnosticSink(path)
    module = parse_skill(data, path, sink)
    module.verify()
    assert render_module(module).encode() == data
    return module.ops.first, sink  # type: ignore[return-value]


def ops_of(root: skill.SkillSkillOp, cls: type) -> list:
    return [op for op in root.walk() if isinstance(op, cls)]


def test_sections_nest_by_level() -> None:
    root, _ = parse(FM + "# A\n\ntext\n\n## B\n\n### C\n\n## D\n\nSetext\n======\n")
    top = list(root.children)
    assert [s.title.data for s in top] == ["A", "Setext"]
    a = top[0]
    assert [type(op).__name__ for op in a.children] == ["ProseOp", "SectionOp", "SectionOp"]
    b = list(a.children)[1]
    assert [s.title.data for s in b.children] == ["C"]


def test_steps_bullets_and_nested_code() -> None:
    doc = FM + "1. First\n   more\n   - sub\n\n     ```py\n     x = 1\n     ```\n2. Second\n"
    root, _ = parse(doc)
    steps = ops_of(root, skill.StepOp)
    assert [(s.number.data, s.text.data) for s in steps] == [(1, "First\nmore"), (2, "Second")]
    (bullet,) = ops_of(root, skill.BulletOp)
    assert bullet.text.data == "sub"
    (code,) = ops_of(root, skill.CodeOp)
    assert (code.lang.data, code.text.data) == ("py", "x = 1\n")
    assert code.parent_op() is bullet
    assert all("raw" not in op.properties for op in root.walk())


def test_steps_are_numbered_by_position() -> None:
    root, sink = parse(FM + "1. a\n1. b\n1. c\n\ntext\n\n1. x\n3. y\n")
    steps = ops_of(root, skill.StepOp)
    assert [s.number.data for s in steps] == [1, 2, 3, 1, 2]
    (diag,) = sink.diagnostics
    assert diag.pos.line == 12 and "numbered 3 but is step 2" in diag.message


def test_leaf_blocks() -> None:
    doc = (
        FM
        + "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n> more\n\n<!-- note\n\nstill -->\n\n"
        + "***\n\n    indented\n\n~~~sh title\necho hi\n~~~\n"
    )
    root, _ = parse(doc)
    names = [op.name for op in root.children]
    assert names == [
        "skill.table",
        "skill.quote",
        "skill.html",
        "skill.rule",
        "skill.code",
        "skill.code",
    ]
    quote = ops_of(root, skill.QuoteOp)[0]
    assert quote.text.data == "quoted\nmore"
    indented, fenced = ops_of(root, skill.CodeOp)
    assert indented.field("fence") == "" and indented.text.data == "indented\n"
    assert fenced.field("fence") == "~~~" and fenced.field("info") == "sh title"


def test_unclosed_fence_warns_and_runs_to_end() -> None:
    root, sink = parse(FM + "text\n\n```bash\nrm -rf build\n")
    (code,) = ops_of(root, skill.CodeOp)
    assert code.unclosed is not None and code.text.data == "rm -rf build\n"
    (diag,) = sink.diagnostics
    assert (diag.severity, diag.pos.line) == (Severity.WARNING, 7)


def test_constraints_and_resources() -> None:
    doc = FM + (
        "You MUST run `python scripts/check.py` first. Mustard is fine. The MUSTARD too.\n"
        "NEVER edit [the guide](references/guide.md); you SHOULD NOT guess.\n"
    )
    root, _ = parse(doc)
    found = [(c.modality.data, c.text.data) for c in ops_of(root, skill.ConstraintOp)]
    assert found == [
        ("must", "You MUST run `python scripts/check.py` first."),
        ("never", "NEVER edit [the guide](references/guide.md); you SHOULD NOT guess."),
    ]
    refs = [(r.path.data, r.kind.data) for r in ops_of(root, skill.ResourceRefOp)]
    assert refs == [("scripts/check.py", "scripts"), ("references/guide.md", "references")]
    assert ops_of(root, skill.ResourceRefOp)[0].span.data[:2] == (5, 22)


def test_references_start_with_a_reference_start() -> None:
    """The lookahead that speeds up the search for references admits every reference."""
    texts = [
        "Run ./scripts/a.py, scripts/c.sh, `references/b.md`, ``x`y``, [l](c.md), ![i](assets/i).",
        *(path.read_text(encoding="utf-8", errors="replace") for path in corpus_skill_files()),
    ]
    spans = inline._patterns()[0]
    starts = [
        match.group()[0]
        for text in texts
        for match in spans.finditer(text)
        if match.lastgroup in inline.REFERENCES
    ]
    assert set("`[!.s") <= set(starts) <= set(inline.REFERENCE_START)


def test_lexer_gives_a_run_of_lines_one_token() -> None:
    lines = ["text\n", "more\n", "\n", "\n", "```\n", "a\n", "b\n", "```\n", "- x\n", "  y\n"]
    sink = DiagnosticSink(lines=lines)
    tokens = list(BlockLexer(None).lex(SourceLines(lines, None, sink)))
    assert [(t.type, t.line, t.end_line) for t in tokens] == [
        ("TEXT", 1, 2),
        ("BLANK", 3, 4),
        ("FENCE", 5, 5),
        ("CODE", 6, 7),
        ("FENCE_END", 8, 8),
        ("ITEM", 9, 9),
        ("LEAD", 10, 10),
        ("_DEDENT", 11, 11),
    ]
    assert tokens[0] == "text\nmore\n"


def test_link_outside_skill_warns() -> None:
    root, sink = parse(FM + "See [x](../other/SKILL.md).\n")
    assert not ops_of(root, skill.ResourceRefOp)
    assert "outside the skill folder" in sink.diagnostics[0].message


@pytest.mark.parametrize(
    "doc",
    [
        FM.replace("\n", "\r\n") + "# T\r\n\r\n- a\r\n",
        "\ufeff" + FM + "# T\n",
        FM + "# 中文标题\n\n你必须 MUST 检查。😀\n",
        FM + "- a\r\n- b\n",
        FM + "no newline at end",
        FM + "\t- tab item\n\t  more\n",
        FM + "  - odd\n    - nested\n",
    ],
)
def test_exact_round_trip_of_awkward_input(doc: str) -> None:
    parse(doc)


def test_crlf_is_normalised_and_recorded() -> None:
    root, _ = parse(FM.replace("\n", "\r\n") + "text\r\n")
    assert root.field("eol") == "crlf"
    assert ops_of(root, skill.ProseOp)[0].text.data == "text"


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", 1, "file is empty"),
        (b"  \n\n", 1, "file is empty"),
        (b"---\nname: x\n\xff\xfe oops\n", 3, "invalid UTF-8"),
        (b"\x7fELF\x00\x00\x01", 1, "binary file"),
        (b"---\nname: x\ndescription: y\n", 1, "not closed"),
        (b"x" * (9 * 1024 * 1024), 1, "over 8 MiB"),
    ],
)
def test_bad_input_is_one_positioned_error(data: bytes, line: int, message: str) -> None:
    sink = DiagnosticSink("SKILL.md")
    with pytest.raises(DiagnosticError) as err:
        parse_skill(data, "SKILL.md", sink)
    diag = err.value.diagnostic
    assert diag.severity is Severity.ERROR and diag.pos.line == line
    assert message in diag.message


def test_missing_frontmatter_is_a_warning() -> None:
    _, sink = parse("# Just markdown\n")
    (diag,) = sink.diagnostics
    assert diag.severity is Severity.WARNING and "no YAML frontmatter" in diag.message


def test_invalid_yaml_is_positioned() -> None:
    sink = DiagnosticSink("SKILL.md")
    parse_skill(b"---\nname: demo\ndescription: [unclosed\n---\nbody\n", "SKILL.md", sink)
    (diag,) = sink.diagnostics
    assert diag.severity is Severity.ERROR and "invalid YAML" in diag.message
    assert diag.pos.line in (3, 4)


def test_tabs_mixed_with_spaces_warn_once() -> None:
    _, sink = parse(FM + "- a\n \t- b\n \t- c\n")
    (diag,) = sink.diagnostics
    assert diag.pos.line == 6 and "mixes tabs and spaces" in diag.message


def test_ten_megabyte_file_is_refused_fast() -> None:
    data = (FM + "word " * 2_200_000).encode()
    with pytest.raises(DiagnosticError):
        parse_skill(data, "SKILL.md", DiagnosticSink("SKILL.md"))


# Documents built from Markdown pieces, with random text, nesting and line endings.
_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(" \t*_`#>|-"),
    min_size=1,
    max_size=30,
).map(lambda s: s.strip() or "w")
_block = st.one_of(
    _words.map(lambda w: f"{w}\n"),
    st.tuples(st.integers(1, 6), _words).map(lambda t: f"{'#' * t[0]} {t[1]}\n"),
    st.tuples(_words, st.sampled_from("=-")).map(lambda t: f"{t[0]}\n{t[1] * 3}\n"),
    st.tuples(st.integers(0, 3), st.sampled_from(["-", "*", "1.", "2)"]), _words).map(
        lambda t: f"{'  ' * t[0]}{t[1]} {t[2]}\n"
    ),
    st.tuples(st.sampled_from(["```", "~~~"]), st.sampled_from(["", "py", "sh x"]), _words).map(
        lambda t: f"{t[0]}{t[1]}\n{t[2]}\n{t[0]}\n"
    ),
    _words.map(lambda w: f"> {w}\n"),
    _words.map(lambda w: f"| {w} | x |\n|---|---|\n| 1 | 2 |\n"),
    st.sampled_from(["---\n", "***\n", "\n", "\n\n", "   \n", "<div>\n", "<!-- c\n\n-->\n"]),
    _words.map(lambda w: f"    {w}\n"),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_block, max_size=25), st.booleans(), st.booleans())
def test_generated_documents_round_trip(blocks: list[str], crlf: bool, bom: bool) -> None:
    text = FM + "".join(blocks)
    if crlf:
        text = text.replace("\n", "\r\n")
    parse(("\ufeff" if bom else "") + text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_round_trips_or_is_refused(text: str) -> None:
    data = text.encode()
    sink = DiagnosticSink("SKILL.md")
    try:
        module = parse_skill(data, "SKILL.md", sink)
    except DiagnosticError:
        return
    module.verify()
    assert render_module(module).encode() == data


@pytest.mark.parametrize("path", corpus_skill_files(), ids=lambda p: p.parent.name)
def test_corpus_round_trip_is_byte_identical(path) -> None:
    data = path.read_bytes()
    sink = DiagnosticSink(str(path))
    module = parse_skill(data, str(path), sink)
    module.verify()
    assert render_module(module).encode() == data
    # Only frontmatter YAML may be wrong in a real skill (cc-audit ships one on purpose).
    assert all(
        "[yaml-invalid]" in d.message for d in sink.diagnostics if d.severity.value == "error"
    )


def _staircase(depth: int) -> str:
    return FM + "".join(f"{'  ' * level}- level {level}\n" for level in range(depth))


def test_lists_nested_past_the_limit_are_a_positioned_error() -> None:
    with pytest.raises(DiagnosticError) as raised:
        parse(_staircase(400))
    diag = raised.value.diagnostic
    line = len(FM.splitlines()) + MAX_LIST_DEPTH + 1  # the first item past the limit
    assert (diag.pos.line, diag.pos.col) == (line, 2 * MAX_LIST_DEPTH + 1)
    assert diag.message == f"lists nested deeper than {MAX_LIST_DEPTH} levels"


def test_lists_nested_to_the_limit_round_trip_and_print() -> None:
    import io

    from xdsl.printer import Printer

    root, _ = parse(_staircase(MAX_LIST_DEPTH))
    assert len(ops_of(root, skill.BulletOp)) == MAX_LIST_DEPTH
    out = io.StringIO()
    Printer(stream=out).print_op(root)
    assert out.getvalue().count("skill.bullet") == MAX_LIST_DEPTH


def test_a_renumbered_step_keeps_its_children_where_they_were() -> None:
    """`1.` on every item: item 10 is written `1. ` (3 columns), its ordinal 10 needs 4."""
    root, _ = parse(FM + "".join("1. step\n" for _ in range(9)) + "1. tenth\n   - child\n")
    tenth = ops_of(root, skill.StepOp)[-1]
    assert (tenth.number.data, tenth.field("indent")) == (10, 3)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_frontmatter_nested_past_the_limit_is_a_positioned_error(style: str) -> None:
    depth = 990  # under PyYAML's own limit (1000), far over what its checks can recurse
    if style == "flow":
        value = "k: " + "[" * depth + "2001-13-45" + "]" * depth + "\n"
        line, col = 4, MAX_YAML_DEPTH + 3  # the bracket opening level 65 (the root is 1)
    else:
        value = "k:\n" + "".join(f"{' ' * i}- \n" for i in range(1, depth))
        line, col = 4 + MAX_YAML_DEPTH, MAX_YAML_DEPTH + 1
    root, sink = parse("---\nname: demo\ndescription: A demo skill.\n" + value + "---\nBody.\n")
    (diag,) = sink.diagnostics
    assert (diag.severity, diag.pos.line, diag.pos.col) == (Severity.ERROR, line, col)
    assert f"nested deeper than {MAX_YAML_DEPTH} levels [yaml-invalid]" in diag.message
