"""The bare agent's sandboxed tools, tested directly (no model): escapes are refused, commands
run in the work directory with a timeout, and huge output is capped without holding it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from skillir.runtime.sandbox import Sandbox, SandboxError


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "secret.txt").write_text("do not read")
    return Sandbox(work, timeout_s=2, max_output=1000)


def test_write_read_list(box: Sandbox):
    assert box.call("write_file", {"path": "out/a.txt", "content": "héllo\n"}).ok
    assert (box.root / "out" / "a.txt").read_text() == "héllo\n"
    read = box.call("read_file", {"path": "out/a.txt"})
    assert read.ok and read.output == "héllo\n" and read.bytes == len("héllo\n".encode())
    assert box.call("list_directory", {"path": "."}).output == "out/"
    assert box.call("list_directory", {}).output == "out/"


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("read_file", {"path": "../secret.txt"}),
        ("read_file", {"path": "/etc/passwd"}),
        ("write_file", {"path": "../escape.txt", "content": "x"}),
        ("write_file", {"path": "a/../../escape.txt", "content": "x"}),
        ("list_directory", {"path": ".."}),
        ("read_file", {"path": "link/secret.txt"}),
        ("write_file", {"path": "link/new.txt", "content": "x"}),
        ("read_file", {"path": "filelink"}),
    ],
)
def test_escapes_are_refused(box: Sandbox, tool: str, args: dict):
    os.symlink(box.root.parent, box.root / "link")
    os.symlink(box.root.parent / "secret.txt", box.root / "filelink")
    result = box.call(tool, args)
    assert not result.ok and "outside the work directory" in result.output
    assert not (box.root.parent / "escape.txt").exists()
    assert not (box.root.parent / "new.txt").exists()


def test_absolute_path_inside_is_allowed(box: Sandbox):
    (box.root / "a.txt").write_text("ok")
    assert box.call("read_file", {"path": str(box.root / "a.txt")}).output == "ok"


def test_bad_calls_are_results_not_exceptions(box: Sandbox):
    assert "unknown tool 'rm'" in box.call("rm", {}).output
    assert "a path is required" in box.call("read_file", {}).output
    assert "is not a file" in box.call("read_file", {"path": "nope"}).output
    assert "content must be text" in box.call("write_file", {"path": "a", "content": 3}).output
    assert "a command is required" in box.call("execute_command", {"command": " "}).output
    with pytest.raises(SandboxError):
        Sandbox(box.root / "missing")


def test_command_runs_in_the_work_directory(box: Sandbox):
    result = box.call("execute_command", {"command": "pwd; echo err >&2; exit 3"})
    assert not result.ok and result.exit_code == 3
    assert result.output.splitlines() == [str(box.root), "err"]


def test_hanging_command_is_killed_with_its_children(box: Sandbox):
    start = time.monotonic()
    result = box.call("execute_command", {"command": "sleep 30 & sleep 30; echo never"})
    assert time.monotonic() - start < 6
    assert result.timed_out and not result.ok and "timed out after 2 s" in result.output


def test_huge_output_is_capped(box: Sandbox):
    result = box.call("execute_command", {"command": "head -c 100000000 /dev/zero | tr '\\0' x"})
    assert result.ok and result.bytes == 100_000_000 and result.truncated
    assert len(result.output) < 1200 and "99999000 more bytes" in result.output


def test_huge_file_write_is_refused(box: Sandbox):
    small = Sandbox(box.root, max_file_bytes=1000)
    result = small.call("write_file", {"path": "big.txt", "content": "x" * 5000})
    assert not result.ok and "over the 1000 limit" in result.output
    assert not (box.root / "big.txt").exists()
