"""`skill-opt`: parse a skill (SKILL.md, a skill folder, IR text or stdin), run passes, print IR."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import time
from collections.abc import Sequence
from io import StringIO
from pathlib import Path
from typing import IO, Any, Literal, get_args, get_origin, get_type_hints

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass, PassPipeline
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from skillir import registry
from skillir.diagnostics import ACTIVE, DiagnosticError, DiagnosticSink, Severity
from skillir.version import version_text

SPLIT_MARKER = b"// -----"
# Brackets of IR text nested deeper than this are refused before xDSL's recursive parser
# reaches Python's recursion limit (about 150 nested regions); a SKILL.md's IR nests at most
# `block_lexer.MAX_LIST_DEPTH` + 8.
MAX_IR_DEPTH = 100
_IR_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*+"|//[^\n]*+|[{\[(]|[}\])]|\n')
# what IR text printed by skill-opt starts with (stdin holding it reads as IR, not Markdown)
_IR_START = re.compile(rb'\s*(?://[^\n]*\n\s*)*"?builtin\.module\b')


class UsageError(Exception):
    """A bad command line (unknown pass, malformed pipeline): exit code 2."""


class SkillOptMain(xDSLOptMain):
    """xDSL's optimizer driver with skill inputs, positioned diagnostics and atomic output."""

    default_target = "mlir"
    version_format = version_text("skill-opt")

    def __init__(self, description: str, args: Sequence[str] | None = None):
        self.sink = DiagnosticSink()
        self.running: str | None = None  # the pass the pipeline runs now
        super().__init__(description=description, args=args)

    def register_all_dialects(self) -> None:
        for name, factory in registry.DIALECTS.items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        for name, factory in registry.PASSES.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        from xdsl.targets.mlir import MLIRTarget

        from skillir.frontend.markdown import MarkdownTarget

        self.available_targets["mlir"] = lambda: MLIRTarget
        self.available_targets["markdown"] = lambda: MarkdownTarget
        self.available_targets["env-setup"] = _lazy_target("targets.env_setup", "EnvSetupTarget")
        self.available_targets["env-manifest"] = _lazy_target(
            "targets.env_setup", "EnvManifestTarget"
        )
        self.available_targets["plan-json"] = _lazy_target("targets.plan", "PlanJsonTarget")
        self.available_targets["plan-mermaid"] = _lazy_target("targets.plan", "PlanMermaidTarget")

    def register_all_frontends(self) -> None:
        super().register_all_frontends()
        self.available_frontends["skir"] = self.available_frontends["mlir"]
        self.available_frontends["md"] = self._parse_markdown

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.set_defaults(target=self.default_target)
        arg_parser.add_argument(
            "--list-passes",
            action="store_true",
            help="list the available passes, with what each does and its options, and exit",
        )
        arg_parser.add_argument(
            "-q", "--quiet", action="store_true", help="print no warnings (errors still print)"
        )
        arg_parser.add_argument(
            "--cap-report",
            action="store_true",
            help="print the capability report (requirements, gaps, actions, tokens) to stderr",
        )
        arg_parser.add_argument(
            "--profile-dir",
            help="profile store directory for bind-target (default: $SKILLIR_PROFILES or the "
            "user cache dir)",
        )
        arg_parser.add_argument(
            "--print-ir-after-all",
            action="store_true",
            help="print the IR to stderr after every pass (each pass of compile{...} too)",
        )
        arg_parser.add_argument(
            "--print-ir-before",
            metavar="PASS[,PASS...]",
            default="",
            help="print the IR to stderr before each run of the named passes",
        )
        arg_parser.add_argument(
            "--print-ir-after",
            metavar="PASS[,PASS...]",
            default="",
            help="print the IR to stderr after each run of the named passes",
        )

    def setup_pipeline(self) -> None:
        """The pipeline of `-p`; a malformed one, an unknown pass or a bad option value is a
        usage error naming the pass (and, for a set of values, the allowed ones)."""
        if self.args.profile_dir:
            os.environ["SKILLIR_PROFILES"] = self.args.profile_dir
        try:
            specs = tuple(parse_pipeline(self.args.passes))
        except ArgSpecParseError as err:
            raise UsageError(str(err)) from None
        unknown = [spec.name for spec in specs if spec.name not in self.available_passes]
        if unknown:
            raise UsageError(f"Unrecognized passes: {unknown}")
        self.pipeline = PassPipeline(tuple(self._make_pass(spec) for spec in specs))
        self.print_before = self._pass_names("--print-ir-before", self.args.print_ir_before)
        self.print_after = self._pass_names("--print-ir-after", self.args.print_ir_after)

    def _make_pass(self, spec: ArgSpec) -> ModulePass:
        """The pass of one pipeline entry; UsageError names the pass and what is wrong."""
        cls = self.available_passes[spec.name]()
        hints = get_type_hints(cls)
        known = [f.name for f in dataclasses.fields(cls)]
        for option, values in spec.normalize_parameter_names().parameters.items():
            if option not in known:
                takes = ", ".join(name.replace("_", "-") for name in known) or "none"
                raise UsageError(
                    f"{spec.name}: unknown option '{option.replace('_', '-')}' (options: {takes})"
                )
            hint = hints.get(option)
            allowed = _literal_values(hint)
            given = ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            must = f"{spec.name}: {option.replace('_', '-')} must be"
            if allowed and (len(values) != 1 or values[0] not in allowed):
                raise UsageError(f"{must} one of {', '.join(map(str, allowed))} (got '{given}')")
            kind = _SCALARS.get(hint)
            if kind is not None and (len(values) != 1 or type(values[0]) is not hint):
                raise UsageError(f"{must} {kind} (got '{given}')")
        try:
            return cls.from_spec(spec)
        except ValueError as err:
            message = str(err)
            prefix = f"{spec.name}: "
            raise UsageError(message if message.startswith(prefix) else prefix + message) from None

    def _pass_names(self, flag: str, value: str) -> frozenset[str]:
        names = frozenset(name for name in value.split(",") if name)
        unknown = sorted(names - set(self.available_passes))
        if unknown:
            raise UsageError(f"{flag}: unknown pass {', '.join(unknown)} (--list-passes)")
        return names

    def apply_passes(self, prog: ModuleOp) -> None:
        """Run the pipeline pass by pass; a pipeline pass (`compile{...}`) runs as the passes
        it stands for, stopping after the first that reports an error. Between passes the module
        is verified (unless `--disable-verify`), dumped as the `--print-ir-*` flags ask and
        timed for `--time-passes` (all on stderr)."""
        previous: ModulePass | None = None
        for entry in self.pipeline.passes:
            expand = getattr(entry, "expand", None)
            steps = expand() if expand is not None else (entry,)
            for step in steps:
                self._between(previous, prog, step)
                self.running = step.name
                start = time.perf_counter()
                step.apply(self.ctx, prog)
                if self.args.time_passes:
                    took = time.perf_counter() - start
                    print(f"Pass {step.name} took {took:.6f} seconds", file=sys.stderr)
                previous = step
                if expand is not None and self.sink.has_errors:
                    break
        self._between(previous, prog, None)
        self.running = None

    def _between(
        self, previous: ModulePass | None, module: ModuleOp, following: ModulePass | None
    ) -> None:
        """What runs between two passes: the `--print-ir-*` dumps and the verifier."""
        if previous is not None and (
            self.args.print_ir_after_all
            or previous.name in self.print_after
            or (following is not None and self.args.print_between_passes)
        ):
            _dump("After", previous.name, module)
        if not self.args.disable_verify:
            module.verify()
        if following is not None and following.name in self.print_before:
            _dump("Before", following.name, module)

    def _parse_markdown(self, stream: IO[bytes]) -> ModuleOp:
        from skillir.frontend.parser import parse_skill

        return parse_skill(stream.read(), self.sink.path, self.sink)

    def read_input(self) -> tuple[bytes, str]:
        """The input bytes and the frontend name; a folder resolves to its SKILL.md. Stdin is
        Markdown unless `-f` says otherwise or it starts as printed IR does (`builtin.module`)."""
        name = self.args.input_file
        if name in (None, "-"):
            self.sink.path = "<stdin>"
            data = sys.stdin.buffer.read()
            return data, self.args.frontend or ("skir" if _IR_START.match(data) else "md")
        path = Path(name)
        self.sink.path = str(path)
        if path.is_dir():
            found = next((path / n for n in ("SKILL.md", "skill.md") if (path / n).is_file()), None)
            if found is None:
                raise self.sink.fatal(1, 1, "folder has no SKILL.md; is this a skill folder?")
            path = found
        self.sink.path = str(path)
        if not path.exists():
            raise self.sink.fatal(1, 1, "no such file or directory")
        try:
            from skillir.frontend.parser import MAX_BYTES

            with path.open("rb") as handle:  # the frontend refuses more than MAX_BYTES
                data = handle.read(MAX_BYTES + 1)
        except OSError as err:
            raise self.sink.fatal(1, 1, f"cannot read: {err.strerror}") from None
        kind = self.args.frontend or path.suffix.lstrip(".").lower()
        return data, kind if kind in self.available_frontends else "md"

    def process(self) -> list[str]:
        """Parse, verify, run the pipeline; the printed result of each input chunk."""
        from skillir.frontend.markdown import render_module

        data, kind = self.read_input()
        chunks = data.split(SPLIT_MARKER) if self.args.split_input_file else [data]
        outputs: list[str] = []
        line_offset = 0
        for chunk in chunks:
            module = self.parse_bytes(chunk, kind, line_offset)
            line_offset += chunk.count(b"\n")
            self._verify(module)
            if self.sink.has_errors:
                continue
            original = render_module(module) if self.args.cap_report else ""
            try:
                self.apply_passes(module)
            except DiagnosticException as err:
                self._verify(module)
                if not self.sink.has_errors:
                    self.sink.error(1, 1, str(err))
            except (OSError, RecursionError) as err:
                self.sink.file_error(f"pass '{self.running}' failed: {_reason(err)}")
            if not self.sink.has_errors:
                outputs.append(self.output_resulting_program(module))
                if self.args.cap_report:
                    from skillir.analysis.cap.report import report

                    sys.stderr.write(report(module, original))
        return outputs

    def parse_bytes(self, chunk: bytes, kind: str, line_offset: int) -> ModuleOp:
        if kind == "md":
            return self._parse_markdown(_Bytes(chunk))
        from xdsl.parser import Parser

        self.sink.lines = chunk.decode("utf-8", "replace").splitlines(True)
        if (deep := _too_deep(chunk)) is not None:
            line, col = deep
            raise self.sink.fatal(
                line + line_offset, col, f"IR nested deeper than {MAX_IR_DEPTH} levels"
            )
        try:
            return Parser(self.ctx, chunk, self.sink.path).parse_module(
                not self.args.no_implicit_module
            )
        except ParseError as err:
            loc = err.span.get_location()
            raise DiagnosticError(
                self.sink.make(Severity.ERROR, loc.line + line_offset, loc.col, err.msg)
            ) from None
        except RecursionError:
            raise self.sink.fatal(1 + line_offset, 1, "IR nested too deeply to read") from None

    def _verify(self, module: ModuleOp) -> None:
        """Verify op by op, so a failure is reported at the failing op's source span."""
        for op in module.walk():
            try:
                op.verify(verify_nested_ops=False)
            except DiagnosticException as err:
                line, col = _position(op)
                self.sink.error(line, col, f"'{op.name}' op {err}")
                return

    def run(self) -> int:  # type: ignore[override]
        if self.args.list_passes:
            print(list_passes(), end="")
            return 0
        token = ACTIVE.set(self.sink)
        try:
            outputs = self.process()
        except DiagnosticError as err:
            self.sink.diagnostics.append(err.diagnostic)
            outputs = []
        except (OSError, RecursionError) as err:  # reading, emitting: never a traceback
            self.sink.file_error(_reason(err), getattr(err, "filename", None))
            outputs = []
        finally:
            ACTIVE.reset(token)
        if self.args.verify_diagnostics:
            self.sink.flush(sys.stdout)
            return 0
        failed = self.sink.has_errors
        if self.args.quiet:
            drop_warnings(self.sink)
        self.sink.flush(sys.stderr)
        if failed:
            return 1
        try:
            write_output("// -----\n".join(outputs), self.args.output_file)
        except OSError as err:
            self.sink.file_error(f"cannot write: {_reason(err)}", self.args.output_file)
            self.sink.flush(sys.stderr)
            return 1
        return 0


def drop_warnings(sink: DiagnosticSink) -> None:
    """Keep only the errors (and their notes) of `sink`: what `-q` prints."""
    sink.diagnostics = [d for d in sink.diagnostics if d.severity is not Severity.WARNING]


def list_passes() -> str:
    """Each pass, its one-line description and its options with their defaults."""
    import json

    lines = []
    for name in sorted(registry.PASSES):
        lines.append(f"{name}: {registry.DESCRIPTIONS.get(name, '')}".rstrip(": ") + "\n")
        options = [
            f"{spec.name.replace('_', '-')}={json.dumps(spec.default)}"
            for spec in dataclasses.fields(registry.PASSES[name]())
        ]
        if options:
            lines.append(f"    options: {' '.join(options)}\n")
    return "".join(lines)


_SCALARS: dict[Any, str] = {int: "an integer", bool: "true or false", str: "a string"}


def _literal_values(hint: Any) -> tuple[Any, ...]:
    """The values of a `Literal[...]` option type (also inside `... | None`); () otherwise."""
    if get_origin(hint) is Literal:
        return get_args(hint)
    return tuple(v for arg in get_args(hint) for v in _literal_values(arg))


def _dump(when: str, name: str, module: ModuleOp) -> None:
    from xdsl.printer import Printer

    print(f"// -----// IR Dump {when} {name} //----- //", file=sys.stderr)
    Printer(stream=sys.stderr).print_op(module)
    print(file=sys.stderr)


def _lazy_target(module: str, name: str):
    def load():
        import importlib

        return getattr(importlib.import_module(f"skillir.{module}"), name)

    return load


class _Bytes(StringIO):
    """A byte stream over `data` for frontends that take a stream."""

    def __init__(self, data: bytes):
        super().__init__()
        self._data = data

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self._data


def _reason(err: OSError | RecursionError) -> str:
    """What went wrong, for a user: the OS's words, or that the input nests too deeply."""
    if isinstance(err, RecursionError):
        return "input nested too deeply to process"
    return err.strerror or str(err)


def _too_deep(chunk: bytes) -> tuple[int, int] | None:
    """Line and column of the first bracket in IR text (outside strings and comments) that
    opens a level deeper than `MAX_IR_DEPTH`."""
    depth, line, line_start = 0, 1, 0
    for match in _IR_TOKEN.finditer(chunk):
        token = match.group()
        if token == b"\n":
            line, line_start = line + 1, match.end()
        elif token in (b"{", b"[", b"("):
            depth += 1
            if depth > MAX_IR_DEPTH:
                column = len(chunk[line_start : match.start()].decode("utf-8", "replace")) + 1
                return line, column
        elif token in (b"}", b"]", b")"):
            depth -= 1
    return None


def _position(op: Operation) -> tuple[int, int]:
    current: Operation | None = op
    while current is not None:
        span = current.properties.get("span")
        if span is not None:
            return span.data[0], span.data[1]  # type: ignore[attr-defined]
        current = current.parent_op()
    return 1, 1


def load_module(prog: str, path: str, pipeline: str = "") -> tuple[SkillOptMain, ModuleOp | None]:
    """Parse `path` and run `pipeline` as `skill-opt PATH -p PIPELINE` would, for tools that
    use the IR in-process. The module is None after an error; the driver's sink holds every
    diagnostic."""
    driver = SkillOptMain(prog, [path, *(["-p", pipeline] if pipeline else [])])
    token = ACTIVE.set(driver.sink)
    try:
        data, kind = driver.read_input()
        module = driver.parse_bytes(data, kind, 0)
        if pipeline:
            driver.apply_passes(module)
    except DiagnosticError as err:
        driver.sink.diagnostics.append(err.diagnostic)
        return driver, None
    except (OSError, RecursionError) as err:
        where = f"pass '{driver.running}' failed: " if driver.running else ""
        driver.sink.file_error(where + _reason(err))
        return driver, None
    finally:
        ACTIVE.reset(token)
    return driver, module


def write_output(text: str, path: str | None) -> None:
    """Write to stdout, or atomically to `path` (`skillir.atomic.write_text_atomic`)."""
    if path is None:
        sys.stdout.write(text)
        return
    from skillir.atomic import write_text_atomic

    write_text_atomic(path, text)


def run_tool(cls: type[SkillOptMain], description: str, args: Sequence[str] | None) -> int:
    """Run a driver; user errors become messages and exit codes, never tracebacks."""
    prog = Path(sys.argv[0]).name
    try:
        return cls(description, args).run()
    except UsageError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, RecursionError) as err:  # past the driver's own boundary
        print(f"{prog}: error: {_reason(err)}", file=sys.stderr)
        return 1


def main(args: Sequence[str] | None = None) -> int:
    return run_tool(SkillOptMain, "skill-opt: run passes over skill IR", args)


if __name__ == "__main__":
    sys.exit(main())
