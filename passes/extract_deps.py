"""`extract-deps`: what a skill assumes of the machine, as `env.dep` ops.

A `$NAME` that SKILL.md's shell or prose references is an `env` dependency only when the skill
reads it from the environment (a credential or connection name, `${NAME:?}`, `export NAME`,
"set NAME in your environment"), not when it is a template slot the agent fills in
(`${SKILL_DIR}`, `$NEW_VERSION`) or a variable a shell block assigns; `os.environ` /
`process.env` reads in code always are. Install lines name their package `manager`, and
per-platform alternatives the program they `provides` (see the `env` dialect). A dependency
named only outside what the skill runs on every use (`skillir.analysis.env.need`) is marked
`optional`.

Reads the SKILL.md code blocks (by language), inline commands in prose and steps, and the
bundled files beside a SKILL.md on disk (`scripts/*.py|*.sh|*.js`, `requirements.txt`,
`package.json`), through `skillir.analysis.env.deps`; writes one `env.dep` per (kind, name) at the
head of
the `skill.skill` region (after any `cap` ops), with its first evidence position. Python syntax
errors in code are reported as warnings at their position and do not stop extraction. A value
that does not match its grammar (`skillir.analysis.env.values`: a name with a newline, an
option-looking
package) is dropped with a warning at its position, so only IR the `env` verifier accepts is
written. Bundled files are listed and read under `skillir.skill_files` (never through a link
out of the skill folder). Old
`env.dep` ops are replaced, so running it twice changes nothing.
"""

from __future__ import annotations

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

from skillir.analysis.env.deps import Dependency, skill_deps
from skillir.diagnostics import Severity, active_sink
from skillir.dialects import env, skill
from skillir.passes.infer_capabilities import insert_after_cap_head
from skillir.passes.validate_skill import skill_folder
from skillir.skill_files import resolve


def bundled_file(dep: Dependency, folder: Path | None) -> str | None:
    """The bundled file holding the evidence (`skillir.analysis.env.deps` prefixes it as `path:
    ...`), when
    the walk policy of `skillir.skill_files` lists it."""
    head, sep, _ = dep.evidence.partition(": ")
    if sep and folder is not None and resolve(folder, head) is not None:
        return head
    return None


def dep_op(dep: Dependency, folder: Path | None) -> env.DepOp:
    span = skill.SpanAttr((dep.line, dep.col, dep.line, dep.col))
    in_file = bundled_file(dep, folder)
    return env.DepOp.build_op(
        span,
        kind=dep.kind,
        dep=dep.name,
        version=dep.version or None,
        file=in_file,
        manager=dep.manager,
        provides=dep.provides,
        optional=dep.optional,
        globally=dep.globally,
    )


class ExtractSkillDeps(RewritePattern):
    """A skill's `env.dep` ops, found again from its text and bundled files (earlier ones
    replaced)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: skill.SkillSkillOp, rewriter: PatternRewriter) -> None:
        sink = active_sink()
        for old in [o for o in op.body.block.ops if isinstance(o, env.DepOp)]:
            rewriter.erase(old)
        folder = skill_folder(op)
        deps, problems = skill_deps(op, folder)
        for line, col, message in problems:
            head, sep, rest = message.partition(": ")
            if sep and folder is not None and resolve(folder, head) is not None:
                # a problem in a bundled file is reported at that file's position
                sink.emit(Severity.WARNING, line, col, rest, path=str(folder / head))
            else:
                sink.warning(line, col, message)
        if deps:
            insert_after_cap_head(rewriter, op, [dep_op(d, folder) for d in deps])


@dataclass(frozen=True)
class ExtractDeps(ModulePass):
    name = "extract-deps"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(ExtractSkillDeps(), apply_recursively=False).rewrite_module(op)
