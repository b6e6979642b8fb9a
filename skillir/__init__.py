"""skillir: a compiler and runtime for LLM agent skills, built on xDSL.

The Python API (`skillir.api`), importable from here; `import skillir` itself loads nothing
else until one of these is used:

    import skillir
    skill = skillir.parse("examples/pdf-report")
    compiled = skillir.compile(skill, "claude-code", model="openai/gpt-5.4")
    skillir.emit_folder(compiled, "build/pdf-report")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skillir.api import (
        OUTPUTS,
        Result,
        apply,
        compile,
        context,
        emit_folder,
        parse,
        read_skill,
        render,
        run,
        validate,
        verify,
    )

__all__ = [
    "OUTPUTS",
    "Result",
    "apply",
    "compile",
    "context",
    "emit_folder",
    "parse",
    "read_skill",
    "render",
    "run",
    "validate",
    "verify",
]


def __getattr__(name: str) -> Any:
    """Load `skillir.api` on first use of one of its names."""
    if name in __all__:
        from skillir import api

        return getattr(api, name)
    raise AttributeError(f"module 'skillir' has no attribute {name!r}")
