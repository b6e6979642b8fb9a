"""Agent Skills spec checks on SKILL.md frontmatter, rule for rule with skills-ref 0.1.1.

Every rule has a stable id (`RULES`) that ends its message, e.g. `... [name-lowercase]`;
messages keep skills-ref's wording. Each diagnostic points at the offending key or value; a
missing required field is reported at the closing `---`, where it would be added. Rules with
origin `skillir` are extras that skills-ref lacks.

Scalars are checked as skills-ref reads them: strictyaml takes every scalar as its source text,
so `name: 123` is the name "123". Where YAML's implicit typing (PyYAML, most agents) reads
another type, `yaml-implicit-type` warns.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml

from skillir.diagnostics import Diagnostic, DiagnosticSink
from skillir.frontend.frontmatter import (
    Frontmatter,
    UnterminatedFrontmatter,
    check_strict_portability,
    load_frontmatter,
    split_frontmatter,
    yaml_type,
)

MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 1024
MAX_COMPATIBILITY_LENGTH = 500
ALLOWED_FIELDS = frozenset(
    {"name", "description", "license", "allowed-tools", "metadata", "compatibility"}
)

SKILLS_REF = "skills-ref"
SKILLIR = "skillir"

BOM_WARNING = (
    "file starts with a UTF-8 byte-order mark; skills-ref then finds no frontmatter "
    "[frontmatter-bom]"
)

RULES: dict[str, tuple[str, str]] = {
    # skills-ref parser.py
    "frontmatter-missing": (SKILLS_REF, "SKILL.md must start with a `---` frontmatter block"),
    "frontmatter-unterminated": (SKILLS_REF, "the frontmatter block must be closed with `---`"),
    "yaml-invalid": (SKILLS_REF, "the frontmatter must be valid YAML"),
    "yaml-strict": (SKILLS_REF, "warning: YAML that PyYAML reads but strictyaml rejects"),
    "frontmatter-not-mapping": (SKILLS_REF, "the frontmatter must be a YAML mapping"),
    # skills-ref validator.py
    "field-unexpected": (SKILLS_REF, "only the spec's top-level fields are allowed"),
    "name-required": (SKILLS_REF, "`name` is required"),
    "name-empty": (SKILLS_REF, "`name` must be a non-empty string"),
    "name-too-long": (SKILLS_REF, f"`name` has at most {MAX_NAME_LENGTH} characters (NFKC)"),
    "name-lowercase": (SKILLS_REF, "`name` must be lowercase"),
    "name-hyphen-edge": (SKILLS_REF, "`name` must not start or end with a hyphen"),
    "name-consecutive-hyphens": (SKILLS_REF, "`name` must not contain `--`"),
    "name-invalid-chars": (SKILLS_REF, "`name` has only letters, digits and hyphens"),
    "name-dir-mismatch": (SKILLS_REF, "`name` equals the skill folder's name (both NFKC)"),
    "description-required": (SKILLS_REF, "`description` is required"),
    "description-empty": (SKILLS_REF, "`description` must be a non-empty string"),
    "description-too-long": (
        SKILLS_REF,
        f"`description` has at most {MAX_DESCRIPTION_LENGTH} characters",
    ),
    "compatibility-type": (SKILLS_REF, "`compatibility` must be a string"),
    "compatibility-too-long": (
        SKILLS_REF,
        f"`compatibility` has at most {MAX_COMPATIBILITY_LENGTH} characters",
    ),
    # extras: skills-ref lacks these
    "frontmatter-bom": (SKILLIR, "warning: a UTF-8 BOM hides the frontmatter from skills-ref"),
    "frontmatter-dashes": (SKILLIR, "warning: `---` inside the frontmatter ends it for skills-ref"),
    "yaml-implicit-type": (
        SKILLIR,
        "warning: a string field whose plain scalar YAML types (123, yes)",
    ),
    "metadata-not-mapping": (SKILLIR, "`metadata` must be a mapping"),
    "metadata-key-type": (SKILLIR, "warning: a `metadata` key that YAML types as non-string"),
    "metadata-value-type": (SKILLIR, "warning: a `metadata` value that YAML types as non-string"),
    "metadata-value-nested": (SKILLIR, "`metadata` values must be strings, not collections"),
    "allowed-tools-list": (SKILLIR, "warning: `allowed-tools` as a YAML list, not a string"),
    "allowed-tools-type": (SKILLIR, "`allowed-tools` must be a space-separated string"),
    "license-type": (SKILLIR, "`license` must be a string"),
    # checked by the validate-skill pass on the body's skill.resource_ref ops
    "resource-missing": (SKILLIR, "a Markdown link to a bundled file that does not exist"),
    "resource-unresolved": (SKILLIR, "warning: a path like scripts/x.py not in the skill folder"),
}

_STR = "tag:yaml.org,2002:str"
_STRING_FIELDS = ("name", "description", "compatibility", "license", "allowed-tools")


def check_skill_text(text: str, path: str, skill_dir: Path | None) -> list[Diagnostic]:
    """All frontmatter checks on one SKILL.md's text; `skill_dir` enables `name-dir-mismatch`."""
    bom = text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)
    sink = DiagnosticSink(path, lines)
    if bom:
        sink.warning(1, 1, BOM_WARNING)
    try:
        block = split_frontmatter(lines)
    except UnterminatedFrontmatter:
        sink.error(
            1, 1, "frontmatter opened here is not closed with --- [frontmatter-unterminated]"
        )
        return sink.diagnostics
    if block is None:
        sink.error(1, 1, "SKILL.md must start with YAML frontmatter (---) [frontmatter-missing]")
        return sink.diagnostics
    fm = load_frontmatter(block, sink)
    check_strict_portability(fm, sink)
    check_frontmatter(fm, sink, skill_dir)
    return sink.diagnostics


def check_frontmatter(
    fm: Frontmatter,
    sink: DiagnosticSink,
    skill_dir: Path | None,
    extra_fields: frozenset[str] = frozenset(),
) -> None:
    """Emit the spec's field rules, then the extras; nothing when the frontmatter did not load.
    `extra_fields`: top-level keys a target harness understands besides the spec's."""
    if fm.data is None:
        return
    for key in (key for key in fm.nodes if key not in ALLOWED_FIELDS | extra_fields):
        sink.error(
            *fm.key_pos[key],
            f"Unexpected fields in frontmatter: {key}. "
            f"Only {sorted(ALLOWED_FIELDS)} are allowed. [field-unexpected]",
        )
    if (name := _required(fm, sink, "name")) is not None:
        _check_name(name, fm.value_pos["name"], sink, skill_dir)
    description = _required(fm, sink, "description")
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        sink.error(
            *fm.value_pos["description"],
            f"Description exceeds {MAX_DESCRIPTION_LENGTH} character limit "
            f"({len(description)} chars) [description-too-long]",
        )
    if "compatibility" in fm.nodes:
        compatibility = _text(fm.nodes["compatibility"])
        if compatibility is None:
            sink.error(
                *fm.value_pos["compatibility"],
                "Field 'compatibility' must be a string [compatibility-type]",
            )
        elif len(compatibility) > MAX_COMPATIBILITY_LENGTH:
            sink.error(
                *fm.value_pos["compatibility"],
                f"Compatibility exceeds {MAX_COMPATIBILITY_LENGTH} character limit "
                f"({len(compatibility)} chars) [compatibility-too-long]",
            )
    _check_extras(fm, sink)


def _text(node: yaml.Node) -> str | None:
    """A scalar's source text (what strictyaml reads), or None for a collection."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _required(fm: Frontmatter, sink: DiagnosticSink, key: str) -> str | None:
    """The non-blank string value of a required field, after reporting it missing or empty."""
    if key not in fm.nodes:
        sink.error(
            fm.block.end_line, 1, f"Missing required field in frontmatter: {key} [{key}-required]"
        )
        return None
    text = _text(fm.nodes[key])
    if text is None or not text.strip():
        sink.error(*fm.value_pos[key], f"Field '{key}' must be a non-empty string [{key}-empty]")
        return None
    return text


def _check_name(
    raw: str, pos: tuple[int, int], sink: DiagnosticSink, skill_dir: Path | None
) -> None:
    name = unicodedata.normalize("NFKC", raw.strip())
    if len(name) > MAX_NAME_LENGTH:
        sink.error(
            *pos,
            f"Skill name '{name}' exceeds {MAX_NAME_LENGTH} character limit "
            f"({len(name)} chars) [name-too-long]",
        )
    if name != name.lower():
        sink.error(*pos, f"Skill name '{name}' must be lowercase [name-lowercase]")
    if name.startswith("-") or name.endswith("-"):
        sink.error(*pos, "Skill name cannot start or end with a hyphen [name-hyphen-edge]")
    if "--" in name:
        sink.error(*pos, "Skill name cannot contain consecutive hyphens [name-consecutive-hyphens]")
    if not all(c.isalnum() or c == "-" for c in name):
        sink.error(
            *pos,
            f"Skill name '{name}' contains invalid characters. "
            "Only letters, digits, and hyphens are allowed. [name-invalid-chars]",
        )
    if skill_dir is not None and unicodedata.normalize("NFKC", skill_dir.name) != name:
        sink.error(
            *pos,
            f"Directory name '{skill_dir.name}' must match skill name '{name}' [name-dir-mismatch]",
        )


def _check_extras(fm: Frontmatter, sink: DiagnosticSink) -> None:
    """The skillir-only rules: types that skills-ref lets through or silently converts."""
    for key in _STRING_FIELDS:
        node = fm.nodes.get(key)
        if isinstance(node, yaml.ScalarNode) and node.tag != _STR and node.value.strip():
            sink.warning(
                *fm.value_pos[key],
                f"'{key}' reads as {yaml_type(node)} in typed YAML parsers, as the string "
                f"{node.value!r} in strict ones; quote it [yaml-implicit-type]",
            )
    if isinstance(node := fm.nodes.get("license"), yaml.CollectionNode):
        sink.error(*fm.value_pos["license"], "Field 'license' must be a string [license-type]")
    if isinstance(node := fm.nodes.get("allowed-tools"), yaml.SequenceNode):
        sink.warning(
            *fm.value_pos["allowed-tools"],
            "Field 'allowed-tools' is a YAML list; the spec wants one space-separated string "
            "(some harnesses accept a list) [allowed-tools-list]",
        )
    elif isinstance(node, yaml.MappingNode):
        sink.error(
            *fm.value_pos["allowed-tools"],
            "Field 'allowed-tools' must be a space-separated string [allowed-tools-type]",
        )
    if "metadata" in fm.nodes:
        _check_metadata(fm, sink)


def _check_metadata(fm: Frontmatter, sink: DiagnosticSink) -> None:
    node = fm.nodes["metadata"]
    if not isinstance(node, yaml.MappingNode):
        sink.error(
            *fm.value_pos["metadata"],
            "Field 'metadata' must be a mapping of strings to strings [metadata-not-mapping]",
        )
        return
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != _STR:
            sink.warning(
                *fm.at(key.start_mark),
                f"metadata key {key.value!r} reads as {yaml_type(key)} in typed YAML parsers; "
                "quote it [metadata-key-type]",
            )
        if isinstance(value, yaml.CollectionNode):
            sink.error(
                *fm.at(value.start_mark),
                f"metadata values must be strings; {key.value!r} holds a "
                f"{'list' if isinstance(value, yaml.SequenceNode) else 'mapping'} "
                "[metadata-value-nested]",
            )
        elif value.tag != _STR:
            sink.warning(
                *fm.at(value.start_mark),
                f"metadata {key.value!r} value {value.value!r} reads as {yaml_type(value)} in "
                "typed YAML parsers (skills-ref keeps its text); quote it [metadata-value-type]",
            )
