"""The `target` dialect: what one (harness, model) pair loads, as the last lowering.

One dialect parameterised by harness rather than a dialect per harness: the six harnesses differ
in data (where a skill folder goes, tool names, what runs concurrently, how the skill is
injected), not in the structure of what is emitted, and those facts live in one table
(`skillir/data/harnesses.toml`, with a source per fact); a new harness is a table row.

`target.harness` heads the `skill.skill` region (after the `cap`/`env`/`par` heads): harness,
model, injection, the folder the skill goes in, the profile it was compiled for (and the
harness that profile was measured on, when borrowed). `target.file` ops list what the emitted
folder holds besides the compiled SKILL.md: bundled files copied unchanged, `env-setup.sh`,
`plan.json`.

    target.harness "claude-code" model "openai/gpt-5.4" injection "folder"
        folder ".claude/skills/pdf-report" profile "bare-agent__openai--gpt-5.4.json"
    target.file "scripts/extract.py" kind "bundled"
    target.file "env-setup.sh" kind "env-setup"

The level contract (docs/architecture.md): after `lower-cap-to-target`, `lower-env-to-target`
and `lower-par-to-target`, a skill holds everything the emitter needs, and `unlowered` lists
what it would ignore instead. The emitter writes the SKILL.md from the `skill` block ops, one
file per `target.file`, and reads the `env` and `par` ops at the head of the skill region only
through the `target.file` that lowers them (`env-setup.sh`, `plan.json`). The `cap` ops and
the `skill` annotations are records it ignores by design (kept for `--stats`, the runtime and
recompilation).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from xdsl.ir import Dialect, Operation
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from skillir.dialects import env, par
from skillir.dialects.skill import FieldOp, SkillSkillOp, SpanAttr, TextAttr, text_attr
from skillir.dialects.xdsl_private import walk_ops

INJECTIONS = ("folder", "system-prompt", "instructions-file")
FILE_KINDS = ("bundled", "env-setup", "plan")


@irdl_op_definition
class HarnessOp(FieldOp):
    """The harness and model compiled for, and where the skill goes."""

    name = "target.harness"
    POSITIONAL: ClassVar[int] = 1
    harness = prop_def(TextAttr)
    model = opt_prop_def(TextAttr)
    injection = prop_def(TextAttr)
    folder = opt_prop_def(TextAttr)
    profile = opt_prop_def(TextAttr)
    borrowed = opt_prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        harness: str,
        model: str | None = None,
        injection: str,
        folder: str | None = None,
        profile: str | None = None,
        borrowed: str | None = None,
    ) -> HarnessOp:
        return cls.from_properties(
            span,
            children,
            {
                "harness": TextAttr(harness),
                "model": text_attr(model),
                "injection": TextAttr(injection),
                "folder": text_attr(folder),
                "profile": text_attr(profile),
                "borrowed": text_attr(borrowed),
            },
        )

    def verify_(self) -> None:
        if self.injection.data not in INJECTIONS:
            raise VerifyException(
                f"unknown injection '{self.injection.data}' ({', '.join(INJECTIONS)})"
            )


@irdl_op_definition
class FileOp(FieldOp):
    """A file of the emitted folder besides SKILL.md: a relative path and what it is."""

    name = "target.file"
    POSITIONAL: ClassVar[int] = 1
    path = prop_def(TextAttr)
    kind = prop_def(TextAttr)

    @classmethod
    def build_op(
        cls,
        span: SpanAttr | None = None,
        children: Iterable[Operation] = (),
        *,
        path: str,
        kind: str,
    ) -> FileOp:
        return cls.from_properties(
            span,
            children,
            {
                "path": TextAttr(path),
                "kind": TextAttr(kind),
            },
        )

    def verify_(self) -> None:
        path = self.path.data
        if path.startswith("/") or ".." in path.split("/") or not path:
            raise VerifyException(f"'{path}' is not a relative path inside the skill folder")
        if self.kind.data not in FILE_KINDS:
            raise VerifyException(f"unknown file kind '{self.kind.data}' ({', '.join(FILE_KINDS)})")


Target = Dialect("target", [HarnessOp, FileOp], [])

# the levels the emitter reads only through a file: the head op, the file kind and the lowering
LOWERED_THROUGH_FILES: tuple[tuple[type[FieldOp], str, str], ...] = (
    (env.DepOp, "env-setup", "lower-env-to-target"),
    (par.GraphOp, "plan", "lower-par-to-target"),
)
# records the emitter ignores by design (the `skill` annotations print nothing)
RECORD_DIALECTS = ("cap",)
_READ_AT_HEAD = (HarnessOp, FileOp, env.DepOp, par.GraphOp)


def unlowered(root: SkillSkillOp) -> list[tuple[Operation, str]]:
    """Each op of a skill the emitter would ignore, with why; empty when the skill is lowered
    to the target level: one `target.harness`, a `target.file` for each lowered level present
    (`env.dep` → `env-setup`, `par.graph` → `plan`), those ops and the `target` ops at the head
    of the skill region, and no op of a dialect the emitter does not read."""
    head = list(root.body.block.ops)
    problems: list[tuple[Operation, str]] = []
    harnesses = [op for op in head if isinstance(op, HarnessOp)]
    if not harnesses:
        why = "no target.harness: the skill is not lowered to a target (run lower-cap-to-target)"
        problems.append((root, why))
    for extra in harnesses[1:]:
        problems.append((extra, "a second target.harness: a skill is lowered for one harness"))
    kinds = {op.kind.data for op in head if isinstance(op, FileOp)}
    for cls, kind, lowering in LOWERED_THROUGH_FILES:
        first = next((op for op in head if isinstance(op, cls)), None)
        if first is not None and kind not in kinds:
            why = f"no target.file of kind '{kind}' emits it (run {lowering})"
            problems.append((first, f"{first.name} is left behind: {why}"))
    known = {"skill", "target", "env", "par", *RECORD_DIALECTS}
    for op in walk_ops(root)[1:]:
        parent = op.parent_op()
        if op.name.partition(".")[0] not in known:
            problems.append((op, f"{op.name} is not an op the emitter reads"))
        elif isinstance(op, _READ_AT_HEAD) and parent is not root:
            where = parent.name if parent is not None else "nothing"
            why = "the emitter reads it only at the head of the skill region"
            problems.append((op, f"{op.name} is nested in {where}: {why}"))
    return problems
