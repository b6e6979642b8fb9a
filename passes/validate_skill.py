"""`validate-skill`: the Agent Skills spec checks, positioned, plus skillir's extras.

Bundled files: a Markdown link to a file that is not in the skill folder is an error
(`resource-missing`); a path merely named in text or code (`scripts/x.py`) may be a file of the
user's project, so a missing one is a warning (`resource-unresolved`).

Reads the `skill.skill` frontmatter and the `skill.resource_ref` ops; writes nothing to the IR
(it emits diagnostics only), so the IR is always left unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from skillir.diagnostics import DiagnosticSink, active_sink
from skillir.dialects import skill
from skillir.frontend.frontmatter import (
    UnterminatedFrontmatter,
    check_strict_portability,
    load_frontmatter,
    split_frontmatter,
)
from skillir.frontend.spec import BOM_WARNING, check_frontmatter
from skillir.targets.harnesses import harness

SKILL_FILE_NAMES = ("SKILL.md", "skill.md")


def skill_folder(op: skill.SkillSkillOp) -> Path | None:
    """The folder of a skill parsed from a `SKILL.md` on disk (as the path names it: `.` for
    `SKILL.md` read in the folder itself); None for stdin or loose files."""
    path = op.field("path")
    if not isinstance(path, str):
        return None
    file = Path(path)
    return file.parent if file.name in SKILL_FILE_NAMES and _is_file(file) else None


def _is_file(path: Path) -> bool:
    """`path.is_file()`, False where the OS cannot even look (a name over `NAME_MAX`/`PATH_MAX`,
    a loop of links)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _exists(path: Path) -> bool:
    """`path.exists()`, False where the OS cannot look (see `_is_file`)."""
    try:
        return path.exists()
    except OSError:
        return False


def validate(
    op: skill.SkillSkillOp,
    sink: DiagnosticSink,
    check_files: bool,
    extra_fields: frozenset[str] = frozenset(),
    folder_named_by_skill: bool = False,
    portability: bool = True,
) -> None:
    raw = op.field("frontmatter")
    if not isinstance(raw, str):
        sink.error(1, 1, "SKILL.md must start with YAML frontmatter (---) [frontmatter-missing]")
        return
    try:
        block = split_frontmatter(raw.splitlines(True))
    except UnterminatedFrontmatter:
        block = None
    if block is None:
        sink.error(1, 1, "frontmatter is not closed with --- [frontmatter-unterminated]")
        return
    if op.bom is not None:
        sink.warning(1, 1, BOM_WARNING)
    folder = skill_folder(op)
    fm = load_frontmatter(block, sink)
    if portability:
        check_strict_portability(fm, sink)
    # the folder's own name: `.` (validating inside the folder) has none
    named = None if folder is None or folder_named_by_skill else Path(os.path.abspath(folder))
    check_frontmatter(fm, sink, named, extra_fields)
    if folder is None or not check_files:
        return
    for ref in skill.walk_ops(op):
        if type(ref) is skill.ResourceRefOp and not _exists(folder / ref.path.data):
            line, col = (ref.span.data[0], ref.span.data[1]) if ref.span else (1, 1)
            if ref.link is not None:
                sink.error(
                    line, col, f"linked file '{ref.path.data}' does not exist [resource-missing]"
                )
            else:
                sink.warning(
                    line,
                    col,
                    f"'{ref.path.data}' is not in the skill folder; if it names a bundled file, "
                    "it is missing [resource-unresolved]",
                )


@dataclass(frozen=True)
class CheckSkill(RewritePattern):
    """Report a top-level `skill.skill`'s spec problems (see `validate`); no rewrite."""

    sink: DiagnosticSink
    files: bool
    extra: frozenset[str]
    harness: bool
    strict: bool

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        if isinstance(op.parent_op(), ModuleOp):
            validate(
                op,
                self.sink,
                self.files,
                self.extra,
                folder_named_by_skill=self.harness,
                portability=self.strict,  # strict-YAML portability: a lint, not for compiles
            )


@dataclass(frozen=True)
class ValidateSkill(ModulePass):
    """Check each `skill.skill` against the Agent Skills spec (rule ids in `skillir.frontend.spec`).

    `files=false` skips the check that referenced bundled files exist. `harness=ID` checks the
    skill as that harness loads it: the frontmatter keys it understands are allowed, and the
    folder name is not checked (the compiled folder is named after the skill); an unknown
    harness is a usage error. `strict=false` reports errors as warnings (a compile reports its
    input's problems without refusing it).
    """

    name = "validate-skill"

    files: bool = True
    harness: str = ""
    strict: bool = True

    def __post_init__(self) -> None:
        if self.harness:
            try:
                harness(self.harness)
            except LookupError as err:
                raise ValueError(f"{self.name}: {err}") from None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sink = active_sink()
        extra: frozenset[str] = frozenset()
        if self.harness:
            extra = frozenset(f.split(".")[0] for f in harness(self.harness).frontmatter)
        if not self.strict:
            sink = sink.lenient()
        pattern = CheckSkill(sink, self.files, extra, bool(self.harness), self.strict)
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
