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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from xdsl.ir import Dialect, Operation
from xdsl.irdl import irdl_op_definition, opt_prop_def, prop_def
from xdsl.utils.exceptions import VerifyException

from skillir.dialects.skill import FieldOp, SpanAttr, TextAttr, text_attr

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
