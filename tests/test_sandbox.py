"""The bare agent's sandboxed tools, tested directly (no model): escapes are refused, commands
run in the work directory with a timeout, and huge output is capped without holding it."""

from __future__ import annotations

import os
import shutil
import stat
import threading
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
    assert (
        "'nope' does not exist; the work directory has: "
        in box.call("read_file", {"path": "nope"}).output
    )
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


# --- races and special files (the file tools never follow links, never block) ----------------


def test_a_symlink_swapped_in_is_never_written_through(box: Sandbox):
    outside = box.root.parent / "outside"
    outside.mkdir()
    d = box.root / "d"
    stop = threading.Event()
    swaps = [0]

    def swap() -> None:
        """`d` alternates between a symlink out and a real directory, as fast as it can."""
        while not stop.is_set():
            try:
                os.symlink(outside, d)
                os.unlink(d)
                os.mkdir(d)
                shutil.rmtree(d)
                swaps[0] += 1
            except OSError:  # the tool made `d` in a gap: take it away
                if d.is_symlink():
                    d.unlink()
                else:
                    shutil.rmtree(d, ignore_errors=True)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        deadline = time.monotonic() + 10
        results = []
        while swaps[0] < 200 and time.monotonic() < deadline:
            results.append(box.call("write_file", {"path": "d/x.txt", "content": "x"}))
            time.sleep(0.0005)
    finally:
        stop.set()
        swapper.join()
    assert list(outside.iterdir()) == []
    assert swaps[0] >= 200 and len(results) > 20  # the race was run, many times over


def test_a_file_swapped_for_a_symlink_is_replaced_not_followed(box: Sandbox):
    secret = box.root.parent / "secret.txt"
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            os.symlink(secret, box.root / "f.new")
            os.replace(box.root / "f.new", box.root / "f")

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for _ in range(300):
            box.call("write_file", {"path": "f", "content": "overwritten"})
            box.call("read_file", {"path": "f"})
    finally:
        stop.set()
        swapper.join()
    assert secret.read_text() == "do not read"


def test_a_hard_link_to_a_file_outside_is_not_read(box: Sandbox):
    os.link(box.root.parent / "secret.txt", box.root / "hard.txt")
    result = box.call("read_file", {"path": "hard.txt"})
    assert not result.ok and "hard links" in result.output and "do not read" not in result.output


def test_the_read_limit_holds_while_the_file_is_swapped(box: Sandbox):
    small = Sandbox(box.root, max_file_bytes=1000, max_output=10_000_000)
    (box.root / "small").write_bytes(b"s" * 10)
    (box.root / "big").write_bytes(b"b" * 8_000_000)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for name in ("small", "big"):
                os.link(box.root / name, box.root / "f.new")
                os.replace(box.root / "f.new", box.root / "f")
                os.unlink(box.root / "f")

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        results = [small.call("read_file", {"path": "f"}) for _ in range(300)]
    finally:
        stop.set()
        swapper.join()
    assert all(r.bytes <= 1000 for r in results)
    assert not (box.root.parent / "f").exists()


def test_a_fifo_does_not_block_the_file_tools(box: Sandbox):
    os.mkfifo(box.root / "pipe")
    start = time.monotonic()
    write = box.call("write_file", {"path": "pipe", "content": "x"})
    read = box.call("read_file", {"path": "pipe"})
    assert time.monotonic() - start < 2
    assert not write.ok and "not a regular file" in write.output
    assert not read.ok and "not a regular file" in read.output
    assert stat.S_ISFIFO((box.root / "pipe").lstat().st_mode)


def test_a_rewritten_file_keeps_its_mode(box: Sandbox):
    script = box.root / "run.sh"
    script.write_text("echo old\n")
    script.chmod(0o755)
    assert box.call("write_file", {"path": "run.sh", "content": "echo new\n"}).ok
    assert script.read_text() == "echo new\n" and stat.S_IMODE(script.stat().st_mode) == 0o755
    assert [p.name for p in box.root.iterdir()] == ["run.sh"]  # no temporary file left


def test_a_symlink_in_the_path_is_not_followed_even_inside(box: Sandbox):
    (box.root / "data").mkdir()
    (box.root / "data" / "a.txt").write_text("a")
    os.symlink("data", box.root / "alias")
    assert box.call("read_file", {"path": "data/a.txt"}).output == "a"
    result = box.call("read_file", {"path": "alias/a.txt"})
    assert not result.ok and "symbolic link" in result.output
    listing = box.call("list_directory", {"path": "."}).output.splitlines()
    assert listing == ["alias", "data/"]  # a link to a directory is not shown as one


def test_file_tools_have_a_timeout(box: Sandbox):
    hurried = Sandbox(box.root, file_timeout_s=1e-6)
    for _ in range(20):  # on a loaded machine the worker can, rarely, win the race
        result = hurried.call("write_file", {"path": "big.txt", "content": "x" * 4_000_000})
        if not result.ok:
            break
    assert not result.ok and "write_file did not finish in 1e-06 s" in result.output
