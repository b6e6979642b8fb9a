"""Confinement of model commands and setup scripts: bubblewrap, else Landlock, else refusal.

Three levels, best first (`SKILLIR_SANDBOX` or the `level` argument forces one; `none` acts as
if neither bubblewrap nor Landlock existed):

- `bubblewrap`: `bwrap` with a read-only view of the system only (`/usr`, `/etc`, `/opt` and the
  `/bin`, `/lib*` links), nothing of the user's home or of the caller's other directories; a fresh
  `/dev` and `/proc`, a private `/tmp`; the work directory is the one writable path. New pid, IPC,
  UTS (and, unless the network is allowed, network) namespaces, all capabilities dropped, a new
  session, killed with its parent. When the command exits the pid namespace ends, and with it
  every process it left behind (`nohup … &`, `setsid`). `/proc/sys`, `/proc/bus`, `/proc/fs`
  and `/proc/irq` are read-only and `/proc/sysrq-trigger`, `/proc/keys`, `/proc/kcore` … hidden
  (as root a command keeps kuid 0, which those files check instead of capabilities); `/tmp`,
  `/var/tmp` and `/dev/shm` are RAM-backed and capped (`ResourceLimits.tmp_bytes`).
- `landlock` (Linux ≥ 5.13, where bubblewrap is missing or cannot make namespaces): the child
  restricts itself before exec (no_new_privs, then a Landlock domain): read and execute only in
  the same system directories, read and write only in the work directory and a private temporary
  directory, a handful of `/dev` nodes; TCP bind/connect denied unless the network is allowed
  (ABI ≥ 4), signals and abstract sockets scoped to the domain (ABI ≥ 6). The command runs as
  a child of a small bash prelude that is a child subreaper and kills what the command left
  behind, also on timeout (SIGTERM to the prelude), before its process group is killed.
- `unsafe-host`: no confinement, only on explicit request (`--unsafe-host`).

Both confining levels also install a seccomp filter (`skillir/runtime/seccomp.py`) that makes
the kernel keyrings, ptrace, mounts and namespaces, modules, BPF and the like fail with EPERM.

At every level the environment is cleared to an allow-list (PATH, HOME = the work directory,
LANG, LC_ALL, TMPDIR and names passed explicitly) and resource limits are set by the prelude's
`ulimit` before the command starts: processes, address space, file size, CPU seconds. The
process limit is per user namespace under bubblewrap; under Landlock it counts the user's other
processes too (the limit is raised by their number). The kernel never applies it to root, so as
root each command also gets its own pids cgroup where one can be made.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import count
from pathlib import Path

from skillir.runtime import seccomp

LEVELS = ("bubblewrap", "landlock", "unsafe-host")
ENV_VARIABLE = "SKILLIR_SANDBOX"
SYSTEM_DIRS = ("/usr", "/etc", "/opt")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SECRET_NAME = re.compile(r".*(_KEY|_TOKEN|SECRET|PASSWORD).*", re.IGNORECASE)
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Host secrets under /etc that no command sees: masked under bubblewrap (an empty file or
# directory in their place), left out of the Landlock rules.
SECRET_ETC = (
    "shadow",
    "shadow-",
    "gshadow",
    "gshadow-",
    "sudoers",
    "sudoers.d",
    "ssh",
    "ssl/private",
    "security/opasswd",
    "krb5.keytab",
    "credstore",
    "credstore.encrypted",
    "wireguard",
    "NetworkManager/system-connections",
)
DEV_NODES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")


class ConfineError(Exception):
    """A sandbox that cannot be set up as asked (the message says why)."""


@dataclass(frozen=True)
class ResourceLimits:
    """Per command: processes (in the sandbox), address space, file size and CPU seconds."""

    processes: int = 256
    memory_bytes: int = 8 << 30
    file_bytes: int = 2 << 30
    cpu_s: int = 600
    tmp_bytes: int = 256 << 20  # each RAM-backed folder under bubblewrap (/tmp, /dev/shm)

    def ulimit(self, extra_processes: int = 0) -> str:
        """The prelude's `ulimit` line (soft and hard limits; sizes in KiB)."""
        return (
            f"ulimit -u {self.processes + extra_processes} -v {self.memory_bytes // 1024} "
            f"-f {self.file_bytes // 1024} -t {self.cpu_s} || exit 125"
        )


def command_env(
    workdir: Path, tmpdir: str, passed: Mapping[str, str], source: Mapping[str, str]
) -> dict[str, str]:
    """The cleared environment: PATH (directories visible in the sandbox), HOME, LANG, LC_ALL,
    TMPDIR, then the names the user passed explicitly (`passed`: name → value)."""
    visible = [
        d for d in source.get("PATH", "/usr/bin:/bin").split(":") if d and _in_system_view(d)
    ]
    env = {"PATH": ":".join(visible) or "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": tmpdir}
    for name in ("LANG", "LC_ALL"):
        if name in source and "\x00" not in source[name]:
            env[name] = source[name]
    for name, value in passed.items():
        if not ENV_NAME.fullmatch(name):
            raise ConfineError(f"--pass-env {name}: not an environment variable name")
        env[name] = value
    return env


def _in_system_view(directory: str) -> bool:
    roots = (*SYSTEM_DIRS, *SYSTEM_LINKS)
    return any(directory == r or directory.startswith(r + "/") for r in roots)


# --- bubblewrap --------------------------------------------------------------------------------


def _system_view() -> list[str]:
    """bwrap arguments for the read-only system view (links mirrored as links)."""
    args: list[str] = []
    for directory in SYSTEM_DIRS:
        args += ["--ro-bind-try", directory, directory]
    for link in SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    for secret in SECRET_ETC:
        path = f"/etc/{secret}"
        if os.path.isdir(path) and not os.path.islink(path):
            args += ["--tmpfs", path]
        elif os.path.lexists(path):
            args += ["--ro-bind", "/dev/null", path]
    return args


def _readable_roots() -> tuple[list[str], list[str]]:
    """The system view as Landlock rules need it: directories and files readable beneath, and
    directories only listable (/etc and the folders on the way to a secret, split into their
    entries so that the secrets in SECRET_ETC are left out)."""
    roots = [d for d in (*SYSTEM_DIRS, *SYSTEM_LINKS) if d != "/etc"]
    listable = []
    pending = ["/etc"]
    secrets = {f"/etc/{s}" for s in SECRET_ETC}
    while pending:
        folder = pending.pop()
        inner = [s for s in secrets if s.startswith(folder + "/")]
        if not inner:
            roots.append(folder)
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        listable.append(folder)
        for entry in entries:
            if entry.path in secrets:
                continue
            if any(s.startswith(entry.path + "/") for s in inner) and entry.is_dir(
                follow_symlinks=False
            ):
                pending.append(entry.path)
            else:
                roots.append(entry.path)
    return roots, listable


# Kernel interfaces under /proc that are checked by uid, not capability: as root (kuid 0,
# whatever the namespaces) a command could write /proc/sys (core_pattern runs a program as host
# root) or trigger sysrq. Read-only or hidden, as container runtimes do.
PROC_READ_ONLY = ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq")
PROC_MASKED = (
    "/proc/sysrq-trigger",
    "/proc/kcore",
    "/proc/keys",
    "/proc/key-users",
    "/proc/timer_list",
    "/proc/sched_debug",
    "/proc/latency_stats",
)


def bwrap_argv(
    workdir: Path,
    env: Mapping[str, str],
    network: bool,
    tmp_bytes: int = 256 << 20,
    seccomp_fd: int | None = None,
) -> list[str]:
    """The bwrap command line before the sandboxed program's own argv. `/tmp`, `/var/tmp` and
    `/dev/shm` are RAM-backed: each is capped at `tmp_bytes`."""
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    if not network:
        args.append("--unshare-net")
    args += ["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args += _system_view()
    if network:
        args += ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
    args += ["--dev", "/dev", "--proc", "/proc"]
    for path in PROC_READ_ONLY:  # the host's view, read-only (the tables are global)
        if os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in PROC_MASKED:
        if os.path.exists(path):
            args += ["--ro-bind", "/dev/null", path]
    size = str(tmp_bytes)
    for path in ("/tmp", "/var/tmp", "/dev/shm"):
        args += ["--size", size, "--tmpfs", path]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--"]
    return args


@cache
def bubblewrap_works() -> bool:
    """Whether bwrap is installed and can make its namespaces here (probed once)."""
    if shutil.which("bwrap") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="skillir-probe-") as work:
        argv = bwrap_argv(Path(work), {"PATH": "/usr/bin:/bin"}, network=False)
        try:
            probe = subprocess.run(
                [*argv, "true"], capture_output=True, timeout=20, stdin=subprocess.DEVNULL
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
    return probe.returncode == 0


# --- Landlock ----------------------------------------------------------------------------------

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS, _PR_SET_CHILD_SUBREAPER, _PR_CAPBSET_DROP = 38, 36, 24
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_TRUNCATE, _IOCTL_DEV = 1 << 14, 1 << 15
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl.restype = ctypes.c_int
    return libc


@cache
def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    try:
        version = _libc().syscall(
            _SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
        )
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute … make_sym
    if abi >= 2:
        rights |= 1 << 13  # refer
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def landlock_ruleset(writable: list[Path], network: bool) -> int:
    """A Landlock ruleset fd: read/execute in the system view, everything under `writable`,
    read/write on a few `/dev` nodes; TCP denied unless `network` (ABI ≥ 4)."""
    abi = landlock_abi()
    if abi < 1:
        raise ConfineError("Landlock is not available on this kernel")
    libc = _libc()
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.handled_access_net = 0 if network else _NET_BIND_TCP | _NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        size = 24
    fd = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if fd < 0:
        raise ConfineError(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    read = _EXECUTE | _READ_FILE | _READ_DIR
    readable, listable = _readable_roots()
    rules = [(p, read) for p in readable] + [(p, _READ_DIR) for p in listable]
    rules += [("/proc", _READ_FILE | _READ_DIR), ("/dev", _READ_DIR)]
    rules += [(p, _READ_FILE | _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)) for p in DEV_NODES]
    rules += [(str(p), handled) for p in writable]
    try:
        for path, access in rules:
            try:
                target = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= _FILE_RIGHTS
                rule = _PathBeneath(access & handled, target)
                if libc.syscall(_SYS_ADD_RULE, fd, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    raise ConfineError(
                        f"landlock_add_rule {path}: {os.strerror(ctypes.get_errno())}"
                    )
            finally:
                os.close(target)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _landlock_preexec(ruleset: int, cgroup_procs: str | None) -> Callable[[], None]:
    """What the child runs between fork and exec: join the pids cgroup, drop every capability
    (as root), become a subreaper, no_new_privs, restrict itself. Bound here so the child calls
    only syscalls."""
    libc = _libc()
    syscall, prctl = libc.syscall, libc.prctl
    root = os.geteuid() == 0
    syscall_filter = seccomp.installer(libc)

    def restrict() -> None:
        if cgroup_procs is not None:
            _join(cgroup_procs)
        if root:  # empty the bounding set: the exec'd command gets no capability back
            for capability in range(64):
                prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
        if prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) or prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            os._exit(126)
        if syscall(_SYS_RESTRICT_SELF, ruleset, 0):
            os._exit(126)
        if syscall_filter is not None and not seccomp.install(syscall_filter):
            os._exit(126)

    return restrict


# --- pids cgroup (root only) -------------------------------------------------------------------

_cgroup_names = count()


def _join(procs: str) -> None:
    fd = os.open(procs, os.O_WRONLY)
    try:
        os.write(fd, b"0")
    finally:
        os.close(fd)


@cache
def _cgroup_base() -> Path | None:
    """A cgroup directory with the pids controller that this process may create children in
    (only tried as root: the kernel ignores RLIMIT_NPROC for uid 0)."""
    if os.geteuid() != 0:
        return None
    for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        if not (base / "cgroup.procs").exists():
            continue
        probe = base / f"skillir-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        try:
            (probe / "pids.max").write_text("8\n")
            return base
        except OSError:
            continue
        finally:
            probe.rmdir()
    return None


@dataclass
class PidsCgroup:
    """One command's pids cgroup: at most `limit` tasks; `kill()` ends every member."""

    path: Path

    @classmethod
    def make(cls, limit: int) -> PidsCgroup | None:
        base = _cgroup_base()
        if base is None:
            return None
        path = base / f"skillir-{os.getpid()}-{next(_cgroup_names)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(f"{limit}\n")
        except OSError:
            return None
        return cls(path)

    @property
    def procs(self) -> str:
        return str(self.path / "cgroup.procs")

    def kill(self) -> None:
        """SIGKILL every member until none is left, then remove the cgroup."""
        for _ in range(1000):
            try:
                pids = [int(p) for p in Path(self.procs).read_text().split()]
            except OSError:
                break
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            self.path.rmdir()
        except OSError:
            pass


# --- the confinement ---------------------------------------------------------------------------

_REAP = r"""
exec 3<&0
"$@" <&3 3<&- &
first=$!
trap 'kill -9 $first 2>/dev/null' TERM
wait $first
rc=$?
for _ in {1..1000}; do
  left=()
  for f in /proc/[0-9]*; do
    p=${f#/proc/}
    [ "$p" -ge "$first" ] || continue
    { read -r line < "$f/stat"; } 2>/dev/null || continue
    set -- ${line##*) }
    if [ "$2" = "$$" ] && [ "$1" != Z ]; then left+=("$p"); fi
  done
  [ ${#left[@]} -eq 0 ] && break
  kill -9 "${left[@]}" 2>/dev/null
  wait 2>/dev/null
done
exit $rc
"""
_JOIN = 'echo 0 > "$0" || exit 125; exec "$@"'  # join the pids cgroup named by $0, then run


def process_limit() -> str:
    """What bounds a command's processes here: `rlimit`, `pids-cgroup` (as root), or `none`
    (root where no pids cgroup can be made: the kernel ignores RLIMIT_NPROC for uid 0)."""
    if os.geteuid() != 0:
        return "rlimit"
    return "pids-cgroup" if _cgroup_base() is not None else "none"


def choose_level(forced: str | None = None, unsafe_host: bool = False) -> str | None:
    """The level to use: `forced` (or $SKILLIR_SANDBOX) when given, else the best available;
    None when nothing confines and `unsafe_host` was not asked for."""
    wanted = forced or os.environ.get(ENV_VARIABLE) or None
    if wanted == "none":  # as if neither bubblewrap nor Landlock existed
        return "unsafe-host" if unsafe_host else None
    if wanted is not None:
        if wanted not in LEVELS:
            raise ConfineError(f"unknown sandbox level '{wanted}' (levels: {', '.join(LEVELS)})")
        if wanted == "bubblewrap" and not bubblewrap_works():
            raise ConfineError("bubblewrap is not installed or cannot make namespaces here")
        if wanted == "landlock" and landlock_abi() < 1:
            raise ConfineError("Landlock is not available on this kernel")
        if wanted == "unsafe-host" and not unsafe_host:
            raise ConfineError("unsafe-host runs commands unconfined: it needs --unsafe-host")
        return wanted
    if bubblewrap_works():
        return "bubblewrap"
    if landlock_abi() >= 1:
        return "landlock"
    return "unsafe-host" if unsafe_host else None


@dataclass
class Confinement:
    """How commands in `workdir` are started: `spawn(argv)` gives a running process whose
    stdout/stderr is one pipe; `finish(proc)` ends what it left behind."""

    workdir: Path
    level: str
    network: bool = False
    passed_env: Mapping[str, str] = field(default_factory=dict)
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    _tmp: str = ""
    _ruleset: int = -1
    _groups: dict[int, PidsCgroup] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ConfineError(f"unknown sandbox level '{self.level}'")
        if self.level == "bubblewrap":
            self._tmp = "/tmp"
        else:
            self._tmp = tempfile.mkdtemp(prefix="skillir-tmp-")
        if self.level == "landlock":
            self._ruleset = landlock_ruleset([self.workdir, Path(self._tmp)], self.network)
        self._env = command_env(self.workdir, self._tmp, self.passed_env, os.environ)
        private = "" if self.level == "bubblewrap" else self._tmp
        self._release = weakref.finalize(self, _release, self._ruleset, private)

    @property
    def env(self) -> dict[str, str]:
        return dict(self._env)

    def spawn(self, argv: list[str], stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen:
        """Start `argv` confined, in a new session, stdout and stderr on one pipe."""
        group = PidsCgroup.make(self.limits.processes) if os.geteuid() == 0 else None
        extra = 0 if self.level == "bubblewrap" or group else _user_tasks()
        prelude = self.limits.ulimit(extra)
        preexec: Callable[[], None] | None = None
        filter_fd = seccomp.program_fd() if self.level == "bubblewrap" else None
        if self.level == "bubblewrap":
            inner = ["/bin/bash", "-c", prelude + '\nexec "$@"', "skillir-sandbox", *argv]
            sandbox = bwrap_argv(
                self.workdir, self._env, self.network, self.limits.tmp_bytes, filter_fd
            )
            command = [*sandbox, *inner]
            env: dict[str, str] | None = {"PATH": "/usr/bin:/bin"}
        else:
            command = ["/bin/bash", "-c", prelude + _REAP, "skillir-sandbox", *argv]
            env = self._env
            if self.level == "landlock":
                preexec = _landlock_preexec(self._ruleset, group.procs if group else None)
        if group is not None and preexec is None:
            command = ["/bin/sh", "-c", _JOIN, group.procs, *command]
        try:
            proc = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=preexec,
                pass_fds=() if filter_fd is None else (filter_fd,),
            )
        except BaseException:
            if group is not None:
                group.kill()
            raise
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        if group is not None:
            self._groups[proc.pid] = group
        return proc

    def finish(self, proc: subprocess.Popen) -> None:
        """Kill the process group (and the pids cgroup) of `proc`. Outside bubblewrap a prelude
        still running is asked first (SIGTERM) to kill the command and reap what it started."""
        if self.level != "bubblewrap" and proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=2)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        group = self._groups.pop(proc.pid, None)
        if group is not None:
            group.kill()

    def close(self) -> None:
        """Release the ruleset and the private temporary directory."""
        self._release()


def _release(ruleset: int, tmp: str) -> None:
    if ruleset >= 0:
        try:
            os.close(ruleset)
        except OSError:
            pass
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def _user_tasks() -> int:
    """How many tasks (threads included) this user runs now: RLIMIT_NPROC counts them."""
    uid = os.getuid()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                total += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:
            continue
    return total
