"""Mutation fuzzer over the corpus (issue 14): byte flips, splices of other skills, line moves
and line-ending changes of real SKILL.md files. Every mutant is refused with a positioned
error or parsed, and then it prints back byte for byte, and its IR prints, parses back and
prints the same; never a traceback, never a hang.

Fixed seed (`derandomize`) and a bounded number of examples: the same mutants on every run.
"""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

from skillir import registry
from skillir.diagnostics import DiagnosticError, DiagnosticSink
from skillir.frontend.markdown import render_module
from skillir.frontend.parser import parse_skill

from .conftest import corpus_skill_files

FILES = corpus_skill_files()
HANG_SECONDS = 10


@cache
def _corpus() -> tuple[bytes, ...]:
    return tuple(path.read_bytes() for path in FILES)


def _flip(data: bytes, draw: st.DrawFn) -> bytes:
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    byte = draw(st.integers(0, 255))
    return data[:at] + bytes([byte]) + data[at + 1 :]


def _splice(data: bytes, draw: st.DrawFn) -> bytes:
    other = draw(st.sampled_from(_corpus()))
    start = draw(st.integers(0, len(other)))
    piece = other[start : start + draw(st.integers(0, 400))]
    at = draw(st.integers(0, len(data)))
    cut = draw(st.integers(0, 200))
    return data[:at] + piece + data[at + cut :]


def _move_line(data: bytes, draw: st.DrawFn) -> bytes:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data
    line = lines.pop(draw(st.integers(0, len(lines) - 1)))
    lines.insert(draw(st.integers(0, len(lines))), line)
    return b"".join(lines)


def _line_endings(data: bytes, draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["crlf", "cr", "one-crlf", "one-cr", "lf"]))
    if kind == "crlf":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if kind == "cr":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if kind == "lf":
        return data.replace(b"\r\n", b"\n")
    newlines = [i for i, byte in enumerate(data) if byte == 0x0A]
    if not newlines:
        return data
    at = draw(st.sampled_from(newlines))
    return data[:at] + (b"\r\n" if kind == "one-crlf" else b"\r") + data[at + 1 :]


MUTATIONS = (_flip, _splice, _move_line, _line_endings)


@st.composite
def mutants(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(_corpus()))
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutate(data, draw)
    return data


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM raises after `seconds`."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@cache
def _context() -> Context:
    ctx = Context()
    for name, factory in registry.DIALECTS.items():
        ctx.register_dialect(name, factory)
    return ctx


def _print(module: ModuleOp) -> str:
    out = io.StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


def check_mutant(data: bytes) -> None:
    """Refused at a position, or: exact Markdown round trip and a stable IR print → parse."""
    sink = DiagnosticSink("SKILL.md")
    try:
        module = parse_skill(data, "SKILL.md", sink)
    except DiagnosticError as err:
        pos = err.diagnostic.pos
        assert (pos.path, pos.line >= 1, pos.col >= 1) == ("SKILL.md", True, True)
        assert err.diagnostic.message
        return
    module.verify()
    assert render_module(module).encode() == data
    printed = _print(module)
    again = Parser(_context(), printed).parse_module()
    again.verify()
    assert _print(again) == printed
    assert render_module(again).encode() == data


@pytest.mark.skipif(not FILES, reason="../shared/corpus is not present")
@settings(
    derandomize=True,
    database=None,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutants())
def test_corpus_mutants_round_trip_or_are_refused(data: bytes) -> None:
    with _deadline(HANG_SECONDS):
        check_mutant(data)


FM = b"---\nname: demo\ndescription: A demo skill.\n---\n"


@pytest.mark.parametrize(
    "data",
    [
        # an ordered list written `1.` throughout reaches item 10, which has a child
        FM + b"".join(b"1. step\n" for _ in range(9)) + b"1. tenth\n   - child\n",
        # and the other way: a wide written number on a narrow ordinal
        FM + b"1. one\n100. two\n     - child\n",
        # a nested item left of its first sibling: its child offset is negative (`indent -1`)
        FM + b"- a\n     - b\n  - c\n    - d\n",
    ],
    ids=["ten-ones", "wide-number", "negative-indent"],
)
def test_fuzzer_findings_round_trip(data: bytes) -> None:
    check_mutant(data)
