"""skillir's frontmatter checks agree with skills-ref 0.1.1, rule for rule, and are positioned.

Each case writes a one-fault skill folder, runs `skills_ref.validator.validate` and
`check_skill_text` on it, and compares verdicts, rule ids and positions. The corpus test repeats
the comparison on every real skill under `../shared/corpus`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from skills_ref.validator import validate, validate_metadata

from skillir.diagnostics import Diagnostic, DiagnosticSink, Severity
from skillir.frontend.frontmatter import load_frontmatter, split_frontmatter
from skillir.frontend.spec import RULES, SKILLS_REF, check_skill_text

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"

# Every check in skills-ref (parser.py, validator.py) -> (our rule id, the test proving we agree).
SKILLS_REF_CHECKS: dict[str, tuple[str, str]] = {
    "parser: content must start with ---": (
        "frontmatter-missing",
        "test_rule_parity[frontmatter-missing]",
    ),
    "parser: frontmatter not properly closed": (
        "frontmatter-unterminated",
        "test_rule_parity[frontmatter-unterminated]",
    ),
    "parser: invalid YAML (strictyaml error)": ("yaml-invalid", "test_rule_parity[yaml-invalid]"),
    "parser: strictyaml rejects YAML that PyYAML reads": (
        "yaml-strict",
        "test_rule_parity[yaml-strict]",
    ),
    "parser: frontmatter must be a YAML mapping": (
        "frontmatter-not-mapping",
        "test_rule_parity[frontmatter-not-mapping]",
    ),
    "validator: unexpected fields": ("field-unexpected", "test_rule_parity[field-unexpected]"),
    "validator: missing name": ("name-required", "test_rule_parity[name-required]"),
    "validator: name not a non-empty string": ("name-empty", "test_rule_parity[name-empty]"),
    "validator: name too long": ("name-too-long", "test_rule_parity[name-too-long]"),
    "validator: name not lowercase": ("name-lowercase", "test_rule_parity[name-lowercase]"),
    "validator: name leading/trailing hyphen": (
        "name-hyphen-edge",
        "test_rule_parity[name-hyphen-edge]",
    ),
    "validator: name consecutive hyphens": (
        "name-consecutive-hyphens",
        "test_rule_parity[name-consecutive-hyphens]",
    ),
    "validator: name invalid characters": (
        "name-invalid-chars",
        "test_rule_parity[name-invalid-chars]",
    ),
    "validator: directory name mismatch": (
        "name-dir-mismatch",
        "test_rule_parity[name-dir-mismatch]",
    ),
    "validator: missing description": (
        "description-required",
        "test_rule_parity[description-required]",
    ),
    "validator: description not a non-empty string": (
        "description-empty",
        "test_rule_parity[description-empty]",
    ),
    "validator: description too long": (
        "description-too-long",
        "test_rule_parity[description-too-long]",
    ),
    "validator: compatibility not a string": (
        "compatibility-type",
        "test_rule_parity[compatibility-type]",
    ),
    "validator: compatibility too long": (
        "compatibility-too-long",
        "test_rule_parity[compatibility-too-long]",
    ),
    "parser: metadata values coerced with str()": (
        "metadata-value-type",
        "test_rule_parity[metadata-value-type]",
    ),
}

# skills-ref's messages -> our rule ids.
THEIR_IDS: list[tuple[str, str]] = [
    (r"SKILL\.md must start with YAML frontmatter", "frontmatter-missing"),
    (r"SKILL\.md frontmatter not properly closed", "frontmatter-unterminated"),
    (r"Invalid YAML in frontmatter", "yaml-invalid"),
    (r"SKILL\.md frontmatter must be a YAML mapping", "frontmatter-not-mapping"),
    (r"Unexpected fields in frontmatter", "field-unexpected"),
    (r"Missing required field in frontmatter: name", "name-required"),
    (r"Field 'name' must be a non-empty string", "name-empty"),
    (r"Skill name '.*' exceeds", "name-too-long"),
    (r"Skill name '.*' must be lowercase", "name-lowercase"),
    (r"Skill name cannot start or end with a hyphen", "name-hyphen-edge"),
    (r"Skill name cannot contain consecutive hyphens", "name-consecutive-hyphens"),
    (r"Skill name '.*' contains invalid characters", "name-invalid-chars"),
    (r"Directory name '.*' must match", "name-dir-mismatch"),
    (r"Missing required field in frontmatter: description", "description-required"),
    (r"Field 'description' must be a non-empty string", "description-empty"),
    (r"Description exceeds", "description-too-long"),
    (r"Field 'compatibility' must be a string", "compatibility-type"),
    (r"Compatibility exceeds", "compatibility-too-long"),
]

# Our messages copy skills-ref's wording for these rules.
SAME_WORDING = {rule for _, rule in THEIR_IDS} - {
    "frontmatter-missing",
    "frontmatter-unterminated",
    "yaml-invalid",
    "frontmatter-not-mapping",
}

# Warnings for input that skills-ref reads differently from PyYAML and our line splitter.
PORTABILITY = {"yaml-strict", "frontmatter-bom", "frontmatter-dashes"}

_ID_RE = re.compile(r" \[([a-z-]+)\]$")


def rule_id(diag: Diagnostic) -> str:
    match = _ID_RE.search(diag.message)
    assert match, f"diagnostic without a rule id: {diag.message}"
    return match.group(1)


def their_ids(messages: list[str]) -> set[str]:
    ids = set()
    for message in messages:
        found = [rule for pattern, rule in THEIR_IDS if re.match(pattern, message)]
        assert len(found) == 1, f"unmapped skills-ref message: {message}"
        ids.add(found[0])
    return ids


def our_errors(diags: list[Diagnostic]) -> set[str]:
    """Our error ids for the rules skills-ref also has."""
    return {
        rule_id(d)
        for d in diags
        if d.severity is Severity.ERROR and RULES[rule_id(d)][0] == SKILLS_REF
    }


def run_both(skill_dir: Path) -> tuple[list[str], list[Diagnostic]]:
    skill_md = skill_dir / "SKILL.md"
    ours = check_skill_text(skill_md.read_text(encoding="utf-8"), str(skill_md), skill_dir)
    return validate(skill_dir), ours


@dataclass(frozen=True)
class Case:
    """A one-fault skill: its folder, SKILL.md text and what both validators must say."""

    id: str
    folder: str
    text: str
    rule: str | None = None  # None: both accept, with no diagnostic
    pos: tuple[int, int] = (0, 0)
    severity: Severity = Severity.ERROR
    skills_ref_rejects: bool = True


def fm(*lines: str) -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n# Body\n"


OK_DESC = "description: Does a thing."
LONG = "a" * 65

CASES = [
    # accepted, Unicode and NFKC names included
    Case("valid", "pdf-tools", fm("name: pdf-tools", OK_DESC), skills_ref_rejects=False),
    Case("valid-cjk", "中文技能", fm("name: 中文技能", OK_DESC), skills_ref_rejects=False),
    Case("valid-cyrillic", "навык", fm("name: навык", OK_DESC), skills_ref_rejects=False),
    Case("valid-nfkc-name", "foo", fm("name: ｆｏｏ", OK_DESC), skills_ref_rejects=False),
    Case("valid-nfkc-folder", "ｆｏｏ", fm("name: foo", OK_DESC), skills_ref_rejects=False),
    Case("valid-nfd-folder", "cafe\u0301", fm("name: café", OK_DESC), skills_ref_rejects=False),
    Case(
        "valid-all-fields",
        "all",
        fm(
            "name: all",
            OK_DESC,
            "license: Apache-2.0",
            "allowed-tools: Read Grep Bash(git:*)",
            "compatibility: Needs git and network access",
            "metadata:",
            "  author: someone",
            '  version: "1.0"',
        ),
        skills_ref_rejects=False,
    ),
    # skills-ref's rules
    Case("frontmatter-missing", "a", "# Title\n\nname: a\n", "frontmatter-missing", (1, 1)),
    Case("frontmatter-unterminated", "a", "---\nname: a\n", "frontmatter-unterminated", (1, 1)),
    Case(
        "yaml-invalid",
        "a",
        fm("name: a", OK_DESC, "allowed-tools: *"),
        "yaml-invalid",
        (4, 16),
    ),
    Case(
        "yaml-strict",
        "a",
        fm("name: a", OK_DESC, "metadata: {author: me}"),
        "yaml-strict",
        (4, 11),
        Severity.WARNING,
    ),
    Case("frontmatter-not-mapping", "a", fm("- a", "- b"), "frontmatter-not-mapping", (2, 1)),
    Case(
        "field-unexpected",
        "a",
        fm("name: a", OK_DESC, "version: 1.0"),
        "field-unexpected",
        (4, 1),
    ),
    Case("name-required", "a", fm(OK_DESC), "name-required", (3, 1)),
    Case("name-empty", "a", fm('name: "  "', OK_DESC), "name-empty", (2, 7)),
    Case("name-empty-null", "a", fm("name:", OK_DESC), "name-empty", (2, 6)),
    Case("name-empty-list", "a", fm("name:", "  - a", OK_DESC), "name-empty", (3, 3)),
    Case("name-too-long", LONG, fm(f"name: {LONG}", OK_DESC), "name-too-long", (2, 7)),
    Case("name-lowercase", "Foo", fm("name: Foo", OK_DESC), "name-lowercase", (2, 7)),
    Case("name-lowercase-nfkc", "A", fm("name: Ａ", OK_DESC), "name-lowercase", (2, 7)),
    Case("name-lowercase-greek", "Σοφία", fm("name: Σοφία", OK_DESC), "name-lowercase", (2, 7)),
    Case("name-hyphen-edge", "-foo", fm("name: -foo", OK_DESC), "name-hyphen-edge", (2, 7)),
    Case(
        "name-consecutive-hyphens",
        "a--b",
        fm("name: a--b", OK_DESC),
        "name-consecutive-hyphens",
        (2, 7),
    ),
    Case(
        "name-invalid-chars",
        "coding.loop",
        fm(OK_DESC, "name: coding.loop"),
        "name-invalid-chars",
        (3, 7),
    ),
    Case(
        "name-invalid-chars-cjk",
        "技能_x",
        fm("name: 技能_x", OK_DESC),
        "name-invalid-chars",
        (2, 7),
    ),
    Case("name-dir-mismatch", "bar", fm("name: foo", OK_DESC), "name-dir-mismatch", (2, 7)),
    Case("name-dir-mismatch-cjk", "技能", fm("name: 中文", OK_DESC), "name-dir-mismatch", (2, 7)),
    Case("description-required", "a", fm("name: a"), "description-required", (3, 1)),
    Case("description-empty", "a", fm("name: a", "description: ''"), "description-empty", (3, 14)),
    Case(
        "description-too-long",
        "a",
        fm("name: a", "description: " + "d" * 1025),
        "description-too-long",
        (3, 14),
    ),
    Case(
        "compatibility-type",
        "a",
        fm("name: a", OK_DESC, "compatibility:", "  - linux"),
        "compatibility-type",
        (5, 3),
    ),
    Case(
        "compatibility-too-long",
        "a",
        fm("name: a", OK_DESC, "compatibility: " + "c" * 501),
        "compatibility-too-long",
        (4, 16),
    ),
    Case(
        "metadata-value-type",
        "a",
        fm("name: a", OK_DESC, "metadata:", "  version: 1.10"),
        "metadata-value-type",
        (5, 12),
        Severity.WARNING,
        skills_ref_rejects=False,
    ),
    # skillir extras: skills-ref accepts (or, for portability warnings, misreads) these
    Case(
        "yaml-implicit-type",
        "123",
        fm("name: 123", OK_DESC),
        "yaml-implicit-type",
        (2, 7),
        Severity.WARNING,
        skills_ref_rejects=False,
    ),
    Case(
        "frontmatter-bom",
        "a",
        "\ufeff" + fm("name: a", OK_DESC),
        "frontmatter-bom",
        (1, 1),
        Severity.WARNING,
    ),
    Case(
        "frontmatter-dashes",
        "a",
        fm("description: before --- after", "name: a"),
        "frontmatter-dashes",
        (2, 21),
        Severity.WARNING,
    ),
    Case(
        "metadata-not-mapping",
        "a",
        fm("name: a", OK_DESC, "metadata: me"),
        "metadata-not-mapping",
        (4, 11),
        skills_ref_rejects=False,
    ),
    Case(
        "metadata-key-type",
        "a",
        fm("name: a", OK_DESC, "metadata:", "  2024: x"),
        "metadata-key-type",
        (5, 3),
        Severity.WARNING,
        skills_ref_rejects=False,
    ),
    Case(
        "metadata-value-nested",
        "a",
        fm("name: a", OK_DESC, "metadata:", "  authors:", "    - me"),
        "metadata-value-nested",
        (6, 5),
        skills_ref_rejects=False,
    ),
    Case(
        "allowed-tools-list",
        "a",
        fm("name: a", OK_DESC, "allowed-tools:", "  - Read", "  - Grep"),
        "allowed-tools-list",
        (5, 3),
        Severity.WARNING,
        skills_ref_rejects=False,
    ),
    Case(
        "allowed-tools-type",
        "a",
        fm("name: a", OK_DESC, "allowed-tools:", "  Read: yes"),
        "allowed-tools-type",
        (5, 3),
        skills_ref_rejects=False,
    ),
    Case(
        "license-type",
        "a",
        fm("name: a", OK_DESC, "license:", "  - MIT"),
        "license-type",
        (5, 3),
        skills_ref_rejects=False,
    ),
]


def write_skill(tmp_path: Path, case: Case) -> Path:
    skill_dir = tmp_path / case.folder
    skill_dir.mkdir(parents=True)
    (skill_dir / "SKILL.md").write_text(case.text, encoding="utf-8")
    return skill_dir


def test_parity_table_covers_skills_ref_rules() -> None:
    case_ids = {case.id for case in CASES}
    for rule, test in SKILLS_REF_CHECKS.values():
        assert rule in RULES
        name, _, param = test.partition("[")
        assert name in globals() and param.rstrip("]") in case_ids, test
    skills_ref_rules = {rule for rule, (origin, _) in RULES.items() if origin == SKILLS_REF}
    assert skills_ref_rules <= {rule for rule, _ in SKILLS_REF_CHECKS.values()}
    body_rules = {"resource-missing", "resource-unresolved"}  # tests/test_validate_skill.py
    assert {case.rule for case in CASES} >= set(RULES) - body_rules


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_parity(tmp_path: Path, case: Case) -> None:
    skill_dir = write_skill(tmp_path, case)
    theirs, ours = run_both(skill_dir)
    assert bool(theirs) == case.skills_ref_rejects, theirs
    rendered = "\n".join(d.render() for d in ours)
    if case.rule is None:
        assert ours == [], rendered
        return
    assert ours, f"expected [{case.rule}], got no diagnostic"
    assert rule_id(ours[0]) == case.rule, rendered
    assert (ours[0].pos.line, ours[0].pos.col) == case.pos, rendered
    assert ours[0].severity is case.severity, rendered
    if case.rule in PORTABILITY:
        assert their_ids(strict_view_verdict(skill_dir)) == our_errors(ours) == set(), rendered
    elif RULES[case.rule][0] == SKILLS_REF:
        assert our_errors(ours) == their_ids(theirs) == {case.rule}, (rendered, theirs)
        if case.rule in SAME_WORDING:
            assert [_ID_RE.sub("", ours[0].message)] == theirs
    else:
        assert not our_errors(ours), rendered


def test_every_diagnostic_has_a_known_rule(tmp_path: Path) -> None:
    for case in CASES:
        for diag in run_both(write_skill(tmp_path / case.id, case))[1]:
            assert rule_id(diag) in RULES


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_invalid_yaml_maps_to_file_line(eol: str) -> None:
    text = eol.join(["---", "name: a", OK_DESC, "key: a: b", "---", "# Body", ""])
    [diag] = check_skill_text(text, "S.md", None)
    assert (diag.pos.line, diag.pos.col, rule_id(diag)) == (4, 7, "yaml-invalid")
    assert diag.severity is Severity.ERROR and diag.source_line == "key: a: b" + eol


def test_unconvertible_scalar_is_invalid_yaml() -> None:
    [diag] = check_skill_text(fm("name: a", OK_DESC, "metadata:", "  date: 2024-13-45"), "S", None)
    assert (diag.pos.line, diag.pos.col, rule_id(diag)) == (5, 9, "yaml-invalid")


def test_load_frontmatter_positions() -> None:
    text = "---\n# comment\nname: 中文\ndescription: >\n  folded\n'allowed-tools': Read\n---\n"
    block = split_frontmatter(text.splitlines(keepends=True))
    assert block is not None
    sink = DiagnosticSink("S.md")
    loaded = load_frontmatter(block, sink)
    assert sink.diagnostics == []
    assert loaded.data == {"name": "中文", "description": "folded\n", "allowed-tools": "Read"}
    assert loaded.key_pos == {"name": (3, 1), "description": (4, 1), "allowed-tools": (6, 1)}
    assert loaded.value_pos == {"name": (3, 7), "description": (4, 14), "allowed-tools": (6, 18)}


@pytest.mark.parametrize(
    ("line", "pos"),
    [
        ("metadata: {a: b}", (4, 11)),
        ("allowed-tools: [Read, Grep]", (4, 16)),
        ("license: !!str MIT", (4, 10)),
        ("license: &l MIT", (4, 10)),
        ("name: b", (4, 1)),
    ],
)
def test_portability_warning_position(line: str, pos: tuple[int, int]) -> None:
    diags = check_skill_text(fm("name: a", OK_DESC, line), "a/SKILL.md", None)
    strict = [d for d in diags if rule_id(d) == "yaml-strict"]
    assert [(d.pos.line, d.pos.col, d.severity) for d in strict] == [(*pos, Severity.WARNING)]


def test_no_portability_warning_when_both_accept() -> None:
    text = fm("name: a", OK_DESC, "metadata:", "  a: 'b: {c}'", "allowed-tools: Read Grep")
    assert check_skill_text(text, "a/SKILL.md", None) == []


def test_strictyaml_is_imported_lazily() -> None:
    code = "import sys, skillir.frontend.spec; assert 'strictyaml' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _corpus_skills() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no corpus at {CORPUS}"))]
    return [
        pytest.param(path.parent, id=str(path.parent.relative_to(CORPUS)))
        for path in sorted(CORPUS.rglob("SKILL.md"))
    ]


def strict_view_verdict(skill_dir: Path) -> list[str]:
    """skills-ref's field rules on PyYAML's parse, with scalars kept as text like strictyaml."""
    text = (skill_dir / "SKILL.md").read_text(encoding="utf-8").removeprefix("\ufeff")
    block = split_frontmatter(text.splitlines(keepends=True))
    assert block is not None
    data = yaml.load(block.yaml, Loader=yaml.BaseLoader)
    if isinstance(data.get("metadata"), dict):
        data["metadata"] = {str(k): str(v) for k, v in data["metadata"].items()}
    return validate_metadata(data, skill_dir)


@pytest.mark.slow
@pytest.mark.parametrize("skill_dir", _corpus_skills())
def test_corpus_parity(skill_dir: Path) -> None:
    theirs, ours = run_both(skill_dir)
    rendered = "\n".join(d.render() for d in ours)
    if theirs and PORTABILITY & {rule_id(d) for d in ours}:
        theirs = strict_view_verdict(skill_dir)
    assert their_ids(theirs) == our_errors(ours), (theirs, rendered)


@pytest.mark.slow
def test_corpus_summary() -> None:
    """Counts verdicts and lists the extras' findings (shown with `pytest -s` or `-rP`)."""
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    verdicts: Counter[str] = Counter()
    extras: Counter[str] = Counter()
    findings = []
    for path in sorted(CORPUS.rglob("SKILL.md")):
        theirs, ours = run_both(path.parent)
        errors = our_errors(ours)
        verdicts[f"skills-ref {'rejects' if theirs else 'accepts'}"] += 1
        verdicts[f"skillir {'rejects' if errors else 'accepts'}"] += 1
        verdicts["portability warning"] += any(rule_id(d) in PORTABILITY for d in ours)
        n_lines = len(path.read_text(encoding="utf-8").splitlines())
        for diag in ours:
            if RULES[rule_id(diag)][0] != SKILLS_REF:
                assert 1 <= diag.pos.line <= n_lines and diag.pos.col >= 1
                extras[rule_id(diag)] += 1
                findings.append(diag.render().splitlines()[0])
    print("\ncorpus verdicts:", dict(sorted(verdicts.items())))
    print("skillir extras:", dict(sorted(extras.items())))
    for finding in findings:
        print("  " + finding.removeprefix(f"{CORPUS}/"))
