"""`skill-opt -o`: atomic, and writing through symlinks instead of replacing them; what cannot
be written or read is a `path: error:` line and exit 1, never a traceback or a hang."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from skillir.tools.skill_opt import MAX_IR_DEPTH, SkillOptMain, main, run_tool

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pdf-report"


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.skir"
    real.write_text("keep")
    link = tmp_path / "link.skir"
    link.symlink_to(real)
    assert main([str(EXAMPLE), "-o", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_text().startswith("builtin.module")


def test_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out.skir"
    out.write_text("old")
    out.chmod(0o640)
    assert main([str(EXAMPLE), "-o", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _tool(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `skill-opt`/`skill-translate` (first argument) as a process."""
    module = f"skillir.tools.{args[0].replace('-', '_')}"
    return subprocess.run(
        [sys.executable, "-m", module, *args[1:]], capture_output=True, text=True, timeout=timeout
    )


def _fails_cleanly(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr


def test_output_to_a_directory_is_an_error(tmp_path: Path) -> None:
    _fails_cleanly(
        _tool("skill-opt", str(EXAMPLE), "-o", str(tmp_path)),
        f"{tmp_path}: error: cannot write: Is a directory",
    )
    _fails_cleanly(
        _tool("skill-translate", str(EXAMPLE), "--target=markdown", "-o", str(tmp_path)),
        f"{tmp_path}: error: cannot write: Is a directory",
    )


def test_output_to_a_symlink_loop_is_an_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "back")
    (tmp_path / "back").symlink_to(loop)
    _fails_cleanly(
        _tool("skill-opt", str(EXAMPLE), "-o", str(loop)),
        f"{loop}: error: cannot write: Too many levels of symbolic links",
    )


def test_output_to_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _fails_cleanly(
        _tool("skill-opt", str(EXAMPLE), "-o", str(fifo), timeout=30),
        f"{fifo}: error: cannot write: a FIFO that no process reads",
    )


def test_output_to_a_fifo_with_a_reader_is_written(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = _tool("skill-opt", str(EXAMPLE), "-o", str(fifo), timeout=30)
        assert result.returncode == 0, result.stderr
        assert os.read(reader, 1 << 16).startswith(b"builtin.module")
    finally:
        os.close(reader)


def test_ir_nested_too_deeply_is_a_positioned_error(tmp_path: Path) -> None:
    depth = 400
    nested = "".join(f'{" " * i}skill.bullet "a" {{\n' for i in range(depth))
    ir = tmp_path / "deep.skir"
    ir.write_text('skill.skill "x" {\n' + nested + "}\n" * (depth + 1))
    # line N opens level N: the brace past the limit ends line MAX_IR_DEPTH + 1
    line = MAX_IR_DEPTH + 1
    col = line - 2 + len('skill.bullet "a" {')
    _fails_cleanly(
        _tool("skill-opt", str(ir)),
        f"{ir}:{line}:{col}: error: IR nested deeper than {MAX_IR_DEPTH} levels",
    )


@dataclass(frozen=True)
class _FailingPass(ModulePass):
    """A pass whose file access fails (`io=true`) or that recurses without end."""

    name = "failing-pass"

    io: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.io:
            raise OSError(errno.EIO, os.strerror(errno.EIO), "scripts/x.py")

        def down(n: int) -> int:
            return down(n + 1)

        down(0)


class _Driver(SkillOptMain):
    def register_all_passes(self) -> None:
        super().register_all_passes()
        self.register_pass(_FailingPass.name, lambda: _FailingPass)


@pytest.mark.parametrize(
    ("option", "reason"),
    [("true", "Input/output error"), ("false", "input nested too deeply to process")],
)
def test_a_pass_that_fails_is_an_error_at_the_pass_boundary(
    option: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(EXAMPLE), "-p", f"validate-skill,failing-pass{{io={option}}}"]
    assert run_tool(_Driver, "test", args) == 1
    err = capsys.readouterr().err
    assert err == f"{EXAMPLE / 'SKILL.md'}: error: pass 'failing-pass' failed: {reason}\n"


def test_a_path_the_os_refuses_is_an_error_in_process_and_from_the_tool(tmp_path: Path) -> None:
    from skillir.tools.skill_opt import load_module

    too_long = str(tmp_path / ("a" * 300) / "SKILL.md")  # a name over NAME_MAX
    driver, module = load_module("test", too_long)
    assert module is None
    (diag,) = driver.sink.diagnostics
    assert diag.render() == f"{too_long}: error: File name too long"
    _fails_cleanly(_tool("skill-opt", too_long), f"{too_long}: error: File name too long")
