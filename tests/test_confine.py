"""Escape attempts against the command sandbox, at each level it can run at here: bubblewrap and
the Landlock fallback (forced even where bubblewrap exists). Real commands, real kernel."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from skillir.runtime.confine import (
    ResourceLimits,
    bubblewrap_works,
    landlock_abi,
    process_limit,
)
from skillir.runtime.sandbox import NO_SANDBOX, Sandbox, SandboxError

LEVELS = [
    pytest.param(
        "bubblewrap",
        marks=pytest.mark.skipif(not bubblewrap_works(), reason="bubblewrap cannot run here"),
    ),
    pytest.param(
        "landlock", marks=pytest.mark.skipif(landlock_abi() < 1, reason="no Landlock here")
    ),
]


@pytest.fixture(params=LEVELS)
def level(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the work directory holding a canary file."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "canary.txt").write_text("CANARY-7f3a")
    return folder


def box(tmp_path: Path, level: str, **options: object) -> Sandbox:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return Sandbox(work, timeout_s=20, level=level, **options)  # type: ignore[arg-type]


def run(sandbox: Sandbox, command: str) -> tuple[str, int | None]:
    result = sandbox.call("execute_command", {"command": command})
    return result.output, result.exit_code


def test_the_level_is_the_one_asked_for(tmp_path: Path, level: str) -> None:
    sandbox = box(tmp_path, level)
    assert sandbox.sandbox_level == level
    output, code = run(sandbox, "pwd; echo ok > made.txt")
    assert code == 0 and output.splitlines() == [str(sandbox.root)]
    assert (sandbox.root / "made.txt").read_text() == "ok\n"


def test_nothing_outside_the_work_directory_is_written(
    tmp_path: Path, level: str, outside: Path
) -> None:
    sandbox = box(tmp_path, level)
    for target in (outside / "escape.txt", outside / "canary.txt", Path("/etc/skillir-escape")):
        _, code = run(sandbox, f"echo pwned > {target}")
        assert code != 0
    assert sorted(p.name for p in outside.iterdir()) == ["canary.txt"]
    assert (outside / "canary.txt").read_text() == "CANARY-7f3a"
    assert not Path("/etc/skillir-escape").exists()


def test_files_outside_the_work_directory_are_not_readable(
    tmp_path: Path, level: str, outside: Path
) -> None:
    sandbox = box(tmp_path, level)
    output, code = run(sandbox, f"cat {outside / 'canary.txt'}; ls {outside}; ls ~root")
    assert code != 0 and "CANARY" not in output
    assert "canary.txt" not in output.splitlines()  # not listed


def test_host_secrets_under_etc_are_hidden(tmp_path: Path, level: str) -> None:
    output, _ = run(box(tmp_path, level), "cat /etc/shadow /etc/ssh/* /etc/ssl/private/*")
    assert "root:" not in output and "Host" not in output and "PRIVATE KEY" not in output
    output, code = run(box(tmp_path, level), "grep -c root /etc/passwd; ls /etc/ssl")
    assert code == 0 and output.splitlines()[0] != "0" and "certs" in output


def test_commands_hold_no_capabilities(tmp_path: Path, level: str) -> None:
    output, code = run(box(tmp_path, level), "grep -E '^Cap(Eff|Prm):' /proc/self/status")
    assert code == 0 and [line.split()[1] for line in output.splitlines()] == ["0" * 16] * 2


def test_secrets_in_the_environment_are_not_handed_out(
    tmp_path: Path, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-1")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-canary-2")
    monkeypatch.setenv("DB_PASSWORD", "canary-3")
    output, code = run(box(tmp_path, level), "env")
    names = {line.split("=", 1)[0] for line in output.splitlines()}
    assert code == 0 and "canary" not in output
    assert names <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PWD", "SHLVL", "_"}
    assert f"HOME={tmp_path / 'work'}" in output.splitlines()
    passed = box(tmp_path, level, passed_env={"OPENAI_API_KEY": "sk-canary-1"})
    output, _ = run(passed, "echo $OPENAI_API_KEY $GITHUB_TOKEN")
    assert output.strip() == "sk-canary-1"  # only what the user passed explicitly


KERNEL_PROBE = """\
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
calls = {"keyctl": (250, 219, 0, -3, 0), "ptrace": (101, 117, 0, 0, 0, 0),
         "unshare": (272, 97, 0x10000000)}
number = 0 if os.uname().machine == "x86_64" else 1
for name, (x86, arm, *args) in calls.items():
    result = libc.syscall((x86, arm)[number], *args)
    print(name, "allowed" if result >= 0 else errno.errorcode[ctypes.get_errno()])
for path in ("/proc/sys/kernel/printk_ratelimit", "/proc/sysrq-trigger"):
    try:
        os.close(os.open(path, os.O_WRONLY))  # opened, nothing written
        print(path, "writable")
    except OSError as err:
        print(path, errno.errorcode[err.errno])
"""


def test_kernel_interfaces_checked_by_uid_are_closed(tmp_path: Path, level: str) -> None:
    """As root a command keeps kuid 0 with no capability: the keyrings, ptrace and new
    namespaces fail (seccomp), and /proc/sys and sysrq cannot be opened for writing (root could
    otherwise point core_pattern at a program the host kernel runs as root)."""
    sandbox = box(tmp_path, level)
    (sandbox.root / "probe.py").write_text(KERNEL_PROBE)
    output, code = run(sandbox, "python3 probe.py")
    assert code == 0, output
    lines = dict(line.rsplit(" ", 1) for line in output.splitlines())
    assert lines["keyctl"] == lines["ptrace"] == lines["unshare"] == "EPERM", output
    assert "writable" not in output, output


@pytest.mark.skipif(not bubblewrap_works(), reason="bubblewrap cannot run here")
def test_ram_backed_folders_are_capped(tmp_path: Path) -> None:
    sandbox = box(tmp_path, "bubblewrap", limits=ResourceLimits(tmp_bytes=8 << 20))
    for folder in ("/tmp", "/dev/shm"):
        output, code = run(sandbox, f"head -c 20000000 /dev/zero > {folder}/fill")
        assert code != 0 and "No space left" in output, output


def test_background_children_do_not_outlive_the_command(tmp_path: Path, level: str) -> None:
    sandbox = box(tmp_path, level)
    command = (
        "nohup sh -c 'sleep 1; echo late > nohup.txt' >/dev/null 2>&1 &\n"
        "setsid sh -c 'sleep 1; echo late > setsid.txt' >/dev/null 2>&1 &\n"
        "(sh -c 'sleep 1; echo late > double.txt' &) ; echo started"
    )
    start = time.monotonic()
    output, code = run(sandbox, command)
    assert code == 0 and output.strip() == "started"
    assert time.monotonic() - start < 1.0  # the command did not wait for its children
    time.sleep(2)
    assert sorted(p.name for p in sandbox.root.iterdir()) == []


# A fork bomb, then two seconds of work that forks nothing (bash retries a failed fork for up
# to 15 s, so `sleep` here would wait for a free slot), then a word.
BOMB = "f(){ f | f & }; f; s=$SECONDS; while (( SECONDS - s < 2 )); do :; done; echo still-here"


def test_a_timed_out_command_takes_its_children_with_it(tmp_path: Path, level: str) -> None:
    sandbox = replace(box(tmp_path, level), timeout_s=1)
    command = "setsid sh -c 'sleep 2; echo late > setsid.txt' >/dev/null 2>&1 & sleep 30"
    result = sandbox.call("execute_command", {"command": command})
    assert result.timed_out
    time.sleep(2.5)
    assert list(sandbox.root.iterdir()) == []


@pytest.mark.skipif(
    process_limit() == "none", reason="root without a pids cgroup: nothing bounds processes"
)
def test_a_fork_bomb_is_bounded(tmp_path: Path, level: str) -> None:
    sandbox = box(tmp_path, level, limits=ResourceLimits(processes=64))
    start = time.monotonic()
    output, _ = run(sandbox, BOMB)
    assert time.monotonic() - start < 15
    assert "still-here" in output and "Resource temporarily unavailable" in output
    after, code = run(sandbox, "echo fine")
    assert code == 0 and after.strip() == "fine"


def test_file_size_memory_and_cpu_are_limited(tmp_path: Path, level: str) -> None:
    limits = ResourceLimits(file_bytes=1 << 20, memory_bytes=512 << 20, cpu_s=1)
    sandbox = box(tmp_path, level, limits=limits)
    _, code = run(sandbox, "head -c 5000000 /dev/zero > big.bin")
    assert code != 0 and (sandbox.root / "big.bin").stat().st_size == 1 << 20
    output, code = run(sandbox, "python3 -c 'x = bytearray(2 << 30)'")
    assert code != 0 and "MemoryError" in output
    start = time.monotonic()
    _, code = run(sandbox, "while :; do :; done")
    assert code != 0 and time.monotonic() - start < 10  # SIGXCPU after 1 s of CPU


def test_the_network_is_cut_unless_allowed(tmp_path: Path, level: str) -> None:
    if level == "landlock" and landlock_abi() < 4:
        pytest.skip("Landlock below ABI 4 does not restrict TCP")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        connect = (
            f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 3)\""
        )
        _, code = run(box(tmp_path, level), connect)
        assert code != 0
        _, code = run(box(tmp_path, level, network=True), connect)
        assert code == 0


def test_without_a_sandbox_commands_are_refused(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    refused = Sandbox(work, level="none")
    assert refused.sandbox_level == "none"
    result = refused.call("execute_command", {"command": "touch ran.txt"})
    assert not result.ok and NO_SANDBOX in result.output and not (work / "ran.txt").exists()
    assert refused.call("write_file", {"path": "a.txt", "content": "x"}).ok  # file tools work
    host = Sandbox(work, level="none", unsafe_host=True)
    assert host.sandbox_level == "unsafe-host"
    assert host.call("execute_command", {"command": "touch ran.txt"}).ok
    with pytest.raises(SandboxError, match="unknown sandbox level 'chroot'"):
        Sandbox(work, level="chroot")
    with pytest.raises(SandboxError, match="it needs --unsafe-host"):
        Sandbox(work, level="unsafe-host")  # never by a stray SKILLIR_SANDBOX alone


UNPRIVILEGED = 64_999
AS_USER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from skillir.runtime.confine import ResourceLimits
from skillir.runtime.sandbox import Sandbox
box = Sandbox(Path(sys.argv[2]), timeout_s=20, level=sys.argv[3],
              limits=ResourceLimits(processes=32))
start = time.monotonic()
bomb = box.call("execute_command", {"command": sys.argv[4]})
late = "setsid sh -c 'sleep 1; echo x > s.txt' & nohup sh -c 'sleep 1; echo x > n.txt' &"
box.call("execute_command", {"command": late})
print(json.dumps({"seconds": time.monotonic() - start, "output": bomb.output}))
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_the_process_limit_holds_for_an_unprivileged_user(level: str) -> None:
    """As root the kernel ignores RLIMIT_NPROC (the pids cgroup bounds root's commands); run
    the same fork bomb as an ordinary user, where the rlimit is what bounds it."""
    python = "/usr/bin/python3"
    if not Path(python).is_file():
        pytest.skip("needs a system python3 that another user can run")
    repo = str(Path(__file__).resolve().parents[1])
    ids = [f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups"]
    with tempfile.TemporaryDirectory(prefix="skillir-nproc-") as folder:  # pytest's is 0700
        work = Path(folder)
        os.chmod(work, 0o777)
        run = subprocess.run(
            ["setpriv", *ids, python, "-c", AS_USER, repo, str(work), level, BOMB],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin"},
        )
        if run.returncode != 0 and "Permission denied" in run.stderr:
            pytest.skip(f"the checkout is not readable by another user: {run.stderr[-200:]}")
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["seconds"] < 20 and "Resource temporarily unavailable" in result["output"]
        time.sleep(1.5)
        ps = ["ps", "-u", str(UNPRIVILEGED), "-o", "stat=,pid=,args="]
        left = subprocess.run(ps, capture_output=True, text=True).stdout.splitlines()
        alive = [line for line in left if not line.startswith("Z")]  # zombies wait for init
        assert alive == [] and sorted(os.listdir(work)) == []
