"""skillir as a library: parse, validate, compile, emit and run a skill from Python.

Each function does what a command does, through the same code (the frontend, the registered
passes, the emitters, the runtime), and returns diagnostics as `Diagnostic` objects instead of
printing them. Nothing here imports the runtime's model libraries until `run` is called.

    >>> skill = parse("examples/pdf-report")
    >>> compiled = compile(skill, "claude-code", compensate=False)
    >>> compiled.ok, render(compiled, "markdown") == skill.source.decode()
    (True, True)
"""

from __future__ import annotations

import io
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException

from skillir import registry
from skillir.diagnostics import (
    ACTIVE,
    Diagnostic,
    DiagnosticError,
    DiagnosticSink,
    Severity,
)

Output = Literal["mlir", "markdown", "prompt", "plan-json", "plan-mermaid", "env-setup"]
OUTPUTS: tuple[Output, ...] = typing.get_args(Output)


@dataclass
class Result:
    """A skill's IR and what was found on the way. `module` is None after an error that stops
    parsing; `source` is the SKILL.md as read (a compiled folder's emit records it)."""

    path: str
    source: bytes
    module: ModuleOp | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    harness: str | None = None  # the harness the module is compiled for

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """A module and no error."""
        return self.module is not None and not self.errors

    def report(self) -> str:
        """The diagnostics as the commands print them (`path:line:col: error: ...`)."""
        return "".join(d.render() + "\n" for d in self.diagnostics)


def context() -> Context:
    """An xDSL context with skillir's dialects registered."""
    ctx = Context()
    for name, factory in registry.DIALECTS.items():
        ctx.register_dialect(name, factory)
    return ctx


@contextmanager
def _collecting(sink: DiagnosticSink) -> Iterator[None]:
    """Make `sink` the one passes report to; a fatal diagnostic ends the block into it."""
    token = ACTIVE.set(sink)
    try:
        yield
    except DiagnosticError as err:
        sink.diagnostics.append(err.diagnostic)
    finally:
        ACTIVE.reset(token)


def read_skill(path: str | Path) -> tuple[Path, bytes]:
    """The SKILL.md of `path` (a file, or a skill folder holding `SKILL.md` or `skill.md`) and
    its bytes. Raises FileNotFoundError for a folder without one, OSError when unreadable."""
    from skillir.frontend.parser import MAX_BYTES

    path = Path(path)
    if path.is_dir():
        found = next((path / n for n in ("SKILL.md", "skill.md") if (path / n).is_file()), None)
        if found is None:
            raise FileNotFoundError(f"{path}: folder has no SKILL.md; is this a skill folder?")
        path = found
    with path.open("rb") as handle:  # the frontend refuses more than MAX_BYTES
        return path, handle.read(MAX_BYTES + 1)


def parse(path: str | Path | None = None, *, text: str | bytes | None = None) -> Result:
    """Parse a SKILL.md (a file or a skill folder), or `text` (then `path` only names it in
    diagnostics), into `skill` IR, verified op by op."""
    from skillir.frontend.parser import parse_skill

    if text is not None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        name = str(path) if path is not None else "SKILL.md"
    elif path is None:
        raise TypeError("parse needs a path or text=")
    else:
        where, data = read_skill(path)
        name = str(where)
    sink = DiagnosticSink(name)
    result = Result(name, data, None, sink.diagnostics)
    with _collecting(sink):
        result.module = parse_skill(data, name, sink)
        verify(result.module, sink)
    if sink.has_errors:
        result.module = None
    return result


def verify(module: ModuleOp, sink: DiagnosticSink) -> None:
    """Verify `module` op by op; the first failure becomes an error at the op's source span."""
    for op in module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except DiagnosticException as err:
            line, col = _position(op)
            sink.error(line, col, f"'{op.name}' op {err}")
            return


def _position(op: Any) -> tuple[int, int]:
    while op is not None:
        span = op.properties.get("span")
        if span is not None:
            return span.data[0], span.data[1]
        op = op.parent_op()
    return 1, 1


def apply(result: Result, pipeline: str) -> Result:
    """A copy of `result` with the pass pipeline `pipeline` (`skill-opt -p` syntax, e.g.
    `"infer-capabilities,extract-deps"`) run over a clone of its module. Raises ValueError for
    an unknown pass or a malformed option; what the passes find is in the diagnostics."""
    from xdsl.passes import PassPipeline

    passes = PassPipeline.parse_spec(registry.PASSES, pipeline)
    out = Result(result.path, result.source, None, list(result.diagnostics), result.harness)
    if result.module is None:
        return out
    module = result.module.clone()
    lines = result.source.decode("utf-8", "replace").splitlines(True)
    sink = DiagnosticSink(result.path, lines=lines)
    sink.diagnostics, sink.seen = out.diagnostics, set(out.diagnostics)
    with _collecting(sink):
        try:
            passes.apply(context(), module)
        except DiagnosticException as err:
            verify(module, sink)
            if not sink.has_errors:
                sink.error(1, 1, str(err))
    if not sink.has_errors:
        out.module = module
    return out


def validate(result: Result, harness: str | None = None, strict: bool = True) -> list[Diagnostic]:
    """The Agent Skills spec problems of a parsed skill (and, with `harness`, the keys that
    harness does not read), as `validate-skill` finds them: errors when `strict`, else
    warnings."""
    options = [f"strict={'true' if strict else 'false'}"]
    if harness:
        options.append(f"harness={harness}")
    checked = apply(result, "validate-skill{" + " ".join(options) + "}")
    return checked.diagnostics[len(result.diagnostics) :]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def compile(
    result: Result,
    harness: str,
    model: str | None = None,
    *,
    profile: str | Path | None = None,
    profile_dir: str | Path | None = None,
    borrow: bool = False,
    compensate: bool = True,
    env: Literal["script", "preinstalled"] = "script",
) -> Result:
    """`result` compiled for `harness` and `model` (its profile from the store at
    `profile_dir`, or the file `profile`), as `skill-translate --target=HARNESS` compiles:
    the `compile` pipeline. `compensate=False` needs no profile and keeps the text as is."""
    options = [f"harness={harness}", f"env={env}"]
    if model:
        options.append(f"model={_quote(model)}")
    if profile:
        options.append(f"profile={_quote(str(profile))}")
    if profile_dir:
        options.append(f"profile-dir={_quote(str(profile_dir))}")
    if borrow:
        options.append("borrow=true")
    if not compensate:
        options.append("no-compensate=true")
    compiled = apply(result, "compile{" + " ".join(options) + "}")
    compiled.harness = harness
    return compiled


def render(result: Result, output: Output = "mlir") -> str:
    """The text `skill-opt -t OUTPUT` (or `skill-translate -t prompt`) prints for the module."""
    if result.module is None:
        raise ValueError(f"{result.path}: no module to render (see its diagnostics)")
    module = result.module
    if output == "prompt":
        from skillir.targets.emit import prompt_text

        return prompt_text(module)
    if output == "mlir":
        from xdsl.targets.mlir import MLIRTarget as target
    elif output == "markdown":
        from skillir.frontend.markdown import MarkdownTarget as target
    elif output in ("plan-json", "plan-mermaid"):
        from skillir.targets.plan import PlanJsonTarget, PlanMermaidTarget

        target = PlanJsonTarget if output == "plan-json" else PlanMermaidTarget
    elif output == "env-setup":
        from skillir.targets.env_setup import EnvSetupTarget as target
    else:
        raise ValueError(f"unknown output {output!r}; one of {', '.join(OUTPUTS)}")
    stream = io.StringIO()
    target().emit(context(), module, stream)
    return stream.getvalue()


def emit_folder(result: Result, folder: str | Path, *, force: bool = False) -> list[str]:
    """Write the compiled skill folder of `result` (compiled for a harness) to `folder`,
    atomically, as `skill-translate --target=HARNESS -o FOLDER` does; the warnings it gives.
    Raises ValueError or OSError when the folder cannot be written."""
    from skillir.dialects import cap
    from skillir.targets.emit import compiled_files, write_folder

    if result.module is None or result.harness is None:
        raise ValueError(f"{result.path}: emit needs a module compiled for a harness")
    files = compiled_files(result.module, result.harness, result.source)
    name = next(iter(cap.skills(result.module))).skill_name.data
    source_dir = Path(result.path).parent if Path(result.path).is_file() else None
    return write_folder(files, Path(folder), source_dir, force, name)


def run(
    skill: str | Path | None,
    request: str,
    *,
    workdir: str | Path,
    trace_dir: str | Path,
    model: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run a compiled skill folder (None: no skill) on `request` with `model`, as `skill-run`
    does; the run's summary (also in `trace_dir/summary.json`). `options` are the fields of
    `skillir.runtime.execute.RunConfig` (limits, sandbox, network, ...)."""
    from skillir.runtime.execute import RunConfig, run_skill
    from skillir.runtime.llm import DEFAULT_MODEL

    config = RunConfig(
        skill_path=None if skill is None else Path(skill),
        request=request,
        workdir=Path(workdir),
        trace_dir=Path(trace_dir),
        model=model or DEFAULT_MODEL,
        **options,
    )
    return run_skill(config)
