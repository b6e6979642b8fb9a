"""Positioned diagnostics: `path:line:col: severity: message`, the source line and a caret.

Passes and the frontend *emit* diagnostics into a `DiagnosticSink`; tools print them and turn
the worst severity into the exit code. User errors never surface as tracebacks: anything that
must stop processing is raised as `DiagnosticError`, which tools catch and render. A sink keeps
at most `MAX_PER_FILE` diagnostics and counts the rest, so a hostile file cannot flood the
output (or the time spent deduplicating).
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import TextIO

MAX_PER_FILE = 100


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file (columns count characters, not bytes); line 0
    for the file as a whole (a diagnostic about the file, not a place in it)."""

    path: str
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    pos: Position
    message: str
    source_line: str | None = None

    def render(self) -> str:
        pos = self.pos
        where = f"{pos.path}:{pos.line}:{pos.col}" if pos.line else pos.path
        head = f"{where}: {self.severity.value}: {self.message}"
        if self.source_line is None:
            return head
        line = self.source_line.rstrip("\r\n")
        caret = " " * _display_width(line[: max(self.pos.col - 1, 0)]) + "^"
        return f"{head}\n{line}\n{caret}"


def _display_width(prefix: str) -> int:
    """Column of the caret under `prefix`, counting tabs as one cell and wide CJK as two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in prefix)


class DiagnosticError(Exception):
    """Stops processing; carries the diagnostics collected so far plus the fatal one."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.render())
        self.diagnostic = diagnostic


@dataclass
class DiagnosticSink:
    """Collects diagnostics for one input; knows its text so it can show the offending line."""

    path: str = "<stdin>"
    lines: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seen: set[Diagnostic] = field(default_factory=set, repr=False, compare=False)
    dropped: int = 0  # diagnostics past `MAX_PER_FILE`, not kept
    dropped_errors: bool = False

    def make(
        self, severity: Severity, line: int, col: int, message: str, path: str | None = None
    ) -> Diagnostic:
        """A diagnostic in this sink's file, or in `path` (another file, shown without source)."""
        if path is not None and path != self.path:
            return Diagnostic(severity, Position(path, line, col), message)
        src = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        return Diagnostic(severity, Position(self.path, line, col), message, src)

    def emit(
        self, severity: Severity, line: int, col: int, message: str, path: str | None = None
    ) -> Diagnostic:
        """Record a diagnostic; the same one twice (frontend, then a pass) is kept once, and
        past `MAX_PER_FILE` it is only counted."""
        diag = self.make(severity, line, col, message, path)
        if diag in self.seen:
            return diag
        self.seen.add(diag)
        if len(self.diagnostics) < MAX_PER_FILE:
            self.diagnostics.append(diag)
        else:
            self.dropped += 1
            self.dropped_errors |= severity is Severity.ERROR
        return diag

    def error(self, line: int, col: int, message: str) -> Diagnostic:
        return self.emit(Severity.ERROR, line, col, message)

    def warning(self, line: int, col: int, message: str) -> Diagnostic:
        return self.emit(Severity.WARNING, line, col, message)

    def lenient(self) -> DiagnosticSink:
        """A view of this sink that records errors as warnings."""
        return _WarningsOnly(self)

    def file_error(self, message: str, path: str | None = None) -> Diagnostic:
        """Record an error about a whole file (`path: error: message`), this sink's by default."""
        diag = Diagnostic(Severity.ERROR, Position(path or self.path, 0, 0), message)
        self.diagnostics.append(diag)
        return diag

    def fatal(self, line: int, col: int, message: str) -> DiagnosticError:
        """An error that stops processing: raise the result."""
        return DiagnosticError(self.make(Severity.ERROR, line, col, message))

    @property
    def has_errors(self) -> bool:
        return self.dropped_errors or any(d.severity is Severity.ERROR for d in self.diagnostics)

    def flush(self, stream: TextIO | None = None) -> None:
        """Print the diagnostics, then a line counting those past the cap; forget them all."""
        out = stream or sys.stderr
        for diag in self.diagnostics:
            print(diag.render(), file=out)
        if self.dropped:
            print(f"{self.path}: note: {self.dropped} more diagnostics not shown", file=out)
        self.diagnostics.clear()
        self.seen.clear()
        self.dropped = 0
        self.dropped_errors = False


ACTIVE: ContextVar[DiagnosticSink] = ContextVar("skillir_diagnostics")


def active_sink() -> DiagnosticSink:
    """The sink of the input being processed; passes emit here (tools set it per input)."""
    sink = ACTIVE.get(None)
    if sink is None:
        sink = DiagnosticSink()
        ACTIVE.set(sink)
    return sink


class _WarningsOnly(DiagnosticSink):
    """Records into `inner`, errors as warnings: a compile reports what is wrong with its input
    without refusing it."""

    def __init__(self, inner: DiagnosticSink):
        super().__init__(inner.path, inner.lines, inner.diagnostics, inner.seen)
        self.inner = inner

    def emit(
        self, severity: Severity, line: int, col: int, message: str, path: str | None = None
    ) -> Diagnostic:
        if severity is Severity.ERROR:
            severity = Severity.WARNING
        return self.inner.emit(severity, line, col, message, path)
