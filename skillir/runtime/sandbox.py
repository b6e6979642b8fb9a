"""The bare agent's tools, confined to one work directory.

`read_file`, `write_file` and `list_directory` take paths inside the work directory (relative,
or absolute under it) and never follow a symbolic link: the path is opened one component at a
time beneath a descriptor of the work directory with `O_NOFOLLOW`, so a link swapped in between
a check and the use cannot lead out. Reads take only regular files with one link (a hard link a
command made to a file outside is refused) and read at most the limit plus one byte from the
open descriptor; writes go to a new file renamed over the name (never through a link, never
blocking on a FIFO). File tools have their own timeout.

`execute_command` runs `bash -c` confined (`skillir.runtime.confine`: bubblewrap, else Landlock;
refused when neither exists unless `unsafe_host`), with a cleared environment and resource
limits, in the work directory, in its own session, with a timeout (everything it started is
killed) and its combined output capped (the rest is drained and counted, never held in memory).
Every call returns a `ToolResult`; nothing raises to the agent.

    >>> Sandbox(Path(".")).call("list_directory", {"path": "."}).ok
    True
"""

from __future__ import annotations

import concurrent.futures
import os
import posixpath
import selectors
import stat
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillir.runtime.confine import ConfineError, Confinement, ResourceLimits, choose_level

TOOLS = ("read_file", "write_file", "list_directory", "execute_command")
NO_SANDBOX = (
    "no sandbox is available here (neither bubblewrap nor Landlock); commands are refused "
    "unless the run allows them on the host (--unsafe-host)"
)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_file_pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="skillir-file-tool")


class SandboxError(Exception):
    """A tool call the sandbox refuses (the message is shown to the model)."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: output (capped), exit code for commands, duration, byte count."""

    ok: bool
    output: str
    exit_code: int | None = None
    duration_s: float = 0.0
    bytes: int = 0
    truncated: bool = False
    timed_out: bool = False


def _cap(data: bytes, limit: int, total: int) -> tuple[str, bool]:
    text = data[:limit].decode("utf-8", "replace")
    if total > limit:
        return text + f"\n[... output truncated: {total - limit} more bytes ...]", True
    return text, False


@dataclass
class Sandbox:
    """Tools over `root`. Limits: `timeout_s` per command, `file_timeout_s` per file tool,
    `max_output` bytes of output shown, `max_file_bytes` per file read or written. Commands
    run at sandbox `level` (None: the best available, or $SKILLIR_SANDBOX), with the network
    when `network`, the variables in `passed_env` and the resource `limits`."""

    root: Path
    timeout_s: float = 30.0
    max_output: int = 32_000
    max_file_bytes: int = 5_000_000
    level: str | None = None
    network: bool = False
    passed_env: Mapping[str, str] = field(default_factory=dict)
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    unsafe_host: bool = False
    file_timeout_s: float = 10.0
    confinement: Confinement | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if not self.root.is_dir():
            raise SandboxError(f"work directory '{self.root}' does not exist")
        if self.confinement is None:
            try:
                chosen = choose_level(self.level, self.unsafe_host)
                if chosen is not None:
                    self.confinement = Confinement(
                        self.root, chosen, self.network, self.passed_env, self.limits
                    )
            except ConfineError as err:
                raise SandboxError(str(err)) from err

    @property
    def sandbox_level(self) -> str:
        """`bubblewrap`, `landlock`, `unsafe-host`, or `none` (commands are refused)."""
        return self.confinement.level if self.confinement else "none"

    def close(self) -> None:
        """Release the confinement's resources (its private temporary directory)."""
        if self.confinement is not None:
            self.confinement.close()

    # --- paths ---------------------------------------------------------------------------

    def parts(self, path: str) -> list[str]:
        """The components of `path` below the work directory; SandboxError if it leaves it."""
        if not isinstance(path, str) or not path.strip():
            raise SandboxError("a path is required")
        if "\x00" in path:
            raise SandboxError("a path cannot contain NUL")
        if path.startswith("/"):
            normal = posixpath.normpath(path)
            root = self.root.as_posix()
            if normal != root and not normal.startswith(root.rstrip("/") + "/"):
                raise SandboxError(f"'{path}' is outside the work directory")
            path = normal[len(root) :].lstrip("/") or "."
        normal = posixpath.normpath(path)
        if normal == ".." or normal.startswith("../"):
            raise SandboxError(f"'{path}' is outside the work directory")
        return [] if normal == "." else normal.split("/")

    def directory(self, parts: list[str], path: str, create: bool = False) -> Any:
        """A descriptor of the directory `parts` names (see `open_directory`)."""
        return open_directory(self.root, parts, create, path)

    # --- tools ---------------------------------------------------------------------------

    def read_file(self, path: str) -> ToolResult:
        parts = self.parts(path)
        if not parts:
            raise SandboxError(f"'{path}' is not a file")
        with self.directory(parts[:-1], path) as parent:
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            try:
                fd = os.open(parts[-1], flags, dir_fd=parent)
            except FileNotFoundError:
                raise SandboxError(
                    f"'{path}' does not exist; the work directory has: {self.listing()}"
                ) from None
            except OSError as err:
                raise _refusal(parent, parts[-1], path, err) from None
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise SandboxError(f"'{path}' is not a file")
            if not stat.S_ISREG(info.st_mode):
                raise SandboxError(f"'{path}' is not a regular file")
            if info.st_nlink > 1:
                raise SandboxError(
                    f"'{path}' has {info.st_nlink} hard links; a linked file is not read "
                    "(it could be a file outside the work directory)"
                )
            data = _read_at_most(fd, self.max_file_bytes + 1)
        finally:
            os.close(fd)
        if len(data) > self.max_file_bytes:
            raise SandboxError(f"'{path}' is over the {self.max_file_bytes} byte limit")
        text, truncated = _cap(data, self.max_output, len(data))
        return ToolResult(True, text, bytes=len(data), truncated=truncated)

    def write_file(self, path: str, content: str) -> ToolResult:
        if not isinstance(content, str):
            raise SandboxError("content must be text")
        data = content.encode("utf-8")
        if len(data) > self.max_file_bytes:
            raise SandboxError(f"{len(data)} bytes is over the {self.max_file_bytes} limit")
        parts = self.parts(path)
        if not parts:
            raise SandboxError(f"'{path}' is a directory")
        name = parts[-1]
        with self.directory(parts[:-1], path, create=True) as parent:
            try:
                mode: int | None = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
            except FileNotFoundError:
                mode = None
            if mode is not None and not stat.S_ISREG(mode):
                raise _refusal(parent, name, path, OSError("exists"))
            temp = f".{name[:200]}.skillir-{os.getpid()}-{threading.get_ident()}.tmp"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(temp, flags, 0o644, dir_fd=parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    if mode is not None:  # a rewritten script stays executable
                        os.fchmod(out.fileno(), stat.S_IMODE(mode) & 0o777)
                os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
            except BaseException:
                try:
                    os.unlink(temp, dir_fd=parent)
                except OSError:
                    pass
                raise
        return ToolResult(True, f"wrote {len(data)} bytes to {path}", bytes=len(data))

    def listing(self, most: int = 60) -> str:
        """The work directory's files and folders two levels deep (`a.txt, data/, data/x.csv`),
        dot entries left out, at most `most` names; links are shown, never followed."""
        names: list[str] = []
        try:
            with self.directory([], ".") as top:
                for entry in sorted(os.scandir(top), key=lambda e: e.name):
                    if entry.name.startswith("."):
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                    names.append(entry.name + "/" * is_dir)
                    if is_dir and len(names) < most:
                        with self.directory([entry.name], entry.name) as sub:
                            names += sorted(
                                f"{entry.name}/{e.name}" + "/" * e.is_dir(follow_symlinks=False)
                                for e in os.scandir(sub)
                                if not e.name.startswith(".")
                            )
        except (OSError, SandboxError):
            pass  # changed while listed: show what was seen
        shown = ", ".join(names[:most]) or "(empty)"
        return shown + (f", ... ({len(names) - most} more)" if len(names) > most else "")

    def list_directory(self, path: str = ".") -> ToolResult:
        with self.directory(self.parts(path or "."), path) as fd:
            lines = sorted(
                entry.name + ("/" if entry.is_dir(follow_symlinks=False) else "")
                for entry in os.scandir(fd)
            )
        listing = "\n".join(lines).encode()
        text, truncated = _cap(listing, self.max_output, len(listing))
        return ToolResult(True, text, truncated=truncated)

    def execute_command(self, command: str) -> ToolResult:
        if not isinstance(command, str) or not command.strip():
            raise SandboxError("a command is required")
        if "\x00" in command:
            raise SandboxError("a command cannot contain NUL")
        return self.run(["bash", "-c", command], self.timeout_s)

    def call_script(self, script: bytes, args: list[str], timeout_s: float) -> ToolResult:
        """Run a bash script given as bytes (fed on stdin, never stored where a command could
        change it) with `args`; a refusal becomes a failed result."""
        try:
            return self.run(["bash", "-s", "--", *args], timeout_s, script)
        except SandboxError as err:
            return ToolResult(False, f"error: {err}")

    def run(self, argv: list[str], timeout_s: float, stdin: bytes | None = None) -> ToolResult:
        """Run `argv` confined in the work directory (`stdin` fed to it), output capped."""
        if self.confinement is None:
            raise SandboxError(NO_SANDBOX)
        start = time.monotonic()
        proc = self.confinement.spawn(
            argv, subprocess.DEVNULL if stdin is None else subprocess.PIPE
        )
        if stdin is not None:
            threading.Thread(target=_feed, args=(proc, stdin), daemon=True).start()
        assert proc.stdout is not None
        kept = bytearray()
        total = 0
        timed_out = False
        deadline = start + timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                if not selector.select(timeout=min(remaining, 0.5)):
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                total += len(chunk)
                if len(kept) < self.max_output:
                    kept.extend(chunk[: self.max_output - len(kept)])
        if timed_out:
            self.confinement.finish(proc)
        try:
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            self.confinement.finish(proc)
            code = proc.wait()
        self.confinement.finish(proc)
        proc.stdout.close()
        text, truncated = _cap(bytes(kept), self.max_output, total)
        if timed_out:
            text += f"\n[command timed out after {timeout_s:g} s and was killed]"
        return ToolResult(
            not timed_out and code == 0,
            text,
            exit_code=None if timed_out else code,
            duration_s=time.monotonic() - start,
            bytes=total,
            truncated=truncated,
            timed_out=timed_out,
        )

    def _file_tool(self, name: str, args: dict[str, Any]) -> ToolResult:
        if name == "read_file":
            return self.read_file(args.get("path", ""))
        if name == "write_file":
            return self.write_file(args.get("path", ""), args.get("content", ""))
        return self.list_directory(args.get("path", "."))

    def call(self, name: str, args: dict[str, Any]) -> ToolResult:
        """Run one tool call; a refusal or a bad argument becomes a failed result."""
        start = time.monotonic()
        try:
            if name == "execute_command":
                return self.execute_command(args.get("command", ""))
            if name not in TOOLS:
                raise SandboxError(f"unknown tool '{name}' (tools: {', '.join(TOOLS)})")
            future = _file_pool.submit(self._file_tool, name, args)
            try:
                result = future.result(timeout=self.file_timeout_s)
            except concurrent.futures.TimeoutError:
                raise SandboxError(f"{name} did not finish in {self.file_timeout_s:g} s") from None
        except SandboxError as err:
            return ToolResult(False, f"error: {err}", duration_s=time.monotonic() - start)
        except OSError as err:
            return ToolResult(
                False, f"error: {err.strerror or err}", duration_s=time.monotonic() - start
            )
        return ToolResult(
            result.ok,
            result.output,
            result.exit_code,
            time.monotonic() - start,
            result.bytes,
            result.truncated,
        )


@contextmanager
def open_directory(
    root: Path, parts: list[str], create: bool = False, path: str = ""
) -> Iterator[int]:
    """A descriptor of the directory `parts` names below `root`, opened component by component
    with `O_NOFOLLOW` (`create`: make missing ones); SandboxError for a link on the way."""
    shown = path or "/".join(parts)
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise SandboxError(f"'{shown}': no such directory") from None
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as err:
                    raise _refusal(fd, part, shown, err) from None
            except OSError as err:
                raise _refusal(fd, part, shown, err) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _refusal(parent: int, name: str, path: str, err: OSError) -> SandboxError:
    """Why `name` beneath `parent` could not be opened as asked."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError:
        return SandboxError(f"'{path}': {err.strerror or err}")
    if stat.S_ISLNK(mode):
        return SandboxError(
            f"'{path}' goes through a symbolic link, which the file tools do not follow "
            "(it could lead outside the work directory)"
        )
    if stat.S_ISDIR(mode):
        return SandboxError(f"'{path}' is a directory")
    if stat.S_ISREG(mode):
        return SandboxError(f"'{path}': {err.strerror or err}")
    return SandboxError(f"'{path}' is not a regular file or directory")


def _read_at_most(fd: int, most: int) -> bytes:
    """Up to `most` bytes from `fd` (fewer at end of file)."""
    chunks, size = [], 0
    while size < most:
        chunk = os.read(fd, min(1 << 20, most - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
    except OSError:
        pass
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
