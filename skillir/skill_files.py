"""The one way every pass lists and reads the files of a skill folder.

A skill folder is untrusted. The walk looks at each entry with `lstat` (`os.scandir` on a
directory descriptor, never following a link), opens each directory beneath its parent's
descriptor with `O_NOFOLLOW`, and never leaves the folder:

- a symlink is listed only when its real target is a regular file inside the folder (under the
  link's own path; its content is read from the target); a link that leaves the folder, a broken
  or looping link and a link to a directory are left out;
- FIFOs, sockets and devices are left out (never opened);
- tool caches (`.git`, `node_modules`, `__pycache__`, virtual environments) are not entered;
- it is iterative (no recursion), stops at `MAX_DEPTH` levels, `MAX_ENTRIES` entries looked at
  and `max_files` files, and a directory it cannot read is skipped.

Files are read from a descriptor opened component by component beneath the folder with
`O_NOFOLLOW | O_NONBLOCK`, refused unless regular, and never past a byte limit.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SKIP_DIRS = frozenset({".git", "__pycache__", "node_modules", ".venv", "venv", ".mypy_cache"})
MAX_DEPTH = 64
MAX_ENTRIES = 50_000
MAX_FILES = 10_000
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SkillFile:
    """A regular file of a skill folder: its path there (`rel`, POSIX), the path of the file it
    names (`real`: differs from `rel` for a link inside the folder), size and permission bits."""

    rel: str
    real: str
    size: int
    mode: int


@dataclass(frozen=True)
class Listing:
    """The files of a skill folder in path order (part by part), what was left out and why,
    and whether a limit stopped the walk."""

    files: tuple[SkillFile, ...]
    skipped: tuple[tuple[str, str], ...]
    truncated: bool


def _entries(fd: int) -> list[os.DirEntry[str]]:
    """The entries of the directory open at `fd`, by name, descending (popped from the end)."""
    with os.scandir(fd) as listing:
        return sorted(listing, key=lambda e: e.name, reverse=True)


def _link_target(root_real: str, rel: str) -> tuple[str | None, str]:
    """For the link at `rel`: the real path (relative to the folder) of the regular file it
    names inside the folder, or None and why it is left out."""
    target = os.path.realpath(os.path.join(root_real, rel))
    if os.path.commonpath([root_real, target]) != root_real or target == root_real:
        return None, "a link that leaves the skill folder"
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return None, "a broken or looping link"
    if stat.S_ISDIR(mode):
        return None, "a link to a folder (not followed)"
    if not stat.S_ISREG(mode):
        return None, "a link to a special file"
    return os.path.relpath(target, root_real).replace(os.sep, "/"), ""


def list_files(folder: Path, max_files: int = MAX_FILES) -> Listing:
    """Every regular file of `folder` under the walk policy of this module. A folder that cannot
    be opened gives an empty listing with the reason in `skipped`."""
    try:
        root_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as err:
        return Listing((), ((".", err.strerror or str(err)),), False)
    root_real = os.path.realpath(folder)
    files: list[SkillFile] = []
    skipped: list[tuple[str, str]] = []
    frames: list[tuple[int, tuple[str, ...], list[os.DirEntry[str]]]] = []
    seen, truncated = 0, False
    try:
        frames.append((root_fd, (), _entries(root_fd)))
    except OSError as err:
        os.close(root_fd)
        return Listing((), ((".", err.strerror or str(err)),), False)
    try:
        while frames:
            fd, parts, entries = frames[-1]
            if not entries:
                os.close(fd)
                frames.pop()
                continue
            entry = entries.pop()
            seen += 1
            if seen > MAX_ENTRIES or len(files) >= max_files:
                truncated = True
                break
            if entry.name in SKIP_DIRS:
                continue
            rel_parts = (*parts, entry.name)
            rel = "/".join(rel_parts)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as err:
                skipped.append((rel, err.strerror or str(err)))
                continue
            if stat.S_ISDIR(info.st_mode):
                if len(rel_parts) > MAX_DEPTH:
                    skipped.append((rel, f"deeper than {MAX_DEPTH} folders"))
                    continue
                try:
                    child = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
                except OSError as err:
                    skipped.append((rel, err.strerror or str(err)))
                    continue
                try:
                    frames.append((child, rel_parts, _entries(child)))
                except OSError as err:
                    os.close(child)
                    skipped.append((rel, err.strerror or str(err)))
            elif stat.S_ISREG(info.st_mode):
                files.append(SkillFile(rel, rel, info.st_size, info.st_mode & 0o777))
            elif stat.S_ISLNK(info.st_mode):
                real, why = _link_target(root_real, rel)
                if real is None:
                    skipped.append((rel, why))
                    continue
                try:
                    target = os.stat(os.path.join(root_real, real), follow_symlinks=False)
                except OSError as err:
                    skipped.append((rel, err.strerror or str(err)))
                    continue
                files.append(SkillFile(rel, real, target.st_size, target.st_mode & 0o777))
            else:
                skipped.append((rel, "not a regular file"))
    finally:
        for fd, _, _ in frames:
            os.close(fd)
    return Listing(tuple(files), tuple(skipped), truncated)


def resolve(folder: Path, rel: str) -> SkillFile | None:
    """The file `rel` names in `folder` when the walk policy lists it (a regular file, or a link
    to one inside the folder); None otherwise. Looks only at `rel`'s own components."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts) or rel.startswith("/"):
        return None
    try:
        fd = _open_parent(folder, parts[:-1])
    except OSError:
        return None
    try:
        info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
    except OSError:
        return None
    finally:
        os.close(fd)
    if stat.S_ISREG(info.st_mode):
        return SkillFile(rel, rel, info.st_size, info.st_mode & 0o777)
    if stat.S_ISLNK(info.st_mode):
        root_real = os.path.realpath(folder)
        real = _link_target(root_real, rel)[0]
        try:
            target = os.stat(os.path.join(root_real, real or ""), follow_symlinks=False)
        except OSError:
            return None
        if real is not None and stat.S_ISREG(target.st_mode):
            return SkillFile(rel, real, target.st_size, target.st_mode & 0o777)
    return None


def _open_parent(folder: Path, dirs: list[str]) -> int:
    """A descriptor of `folder/dirs...`, each component opened with `O_NOFOLLOW`."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    for name in dirs:
        try:
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def open_file(folder: Path, rel: str) -> int:
    """A read descriptor of the regular file `folder/rel` (a `SkillFile.real`), opened beneath
    the folder without following any link and without blocking on a FIFO. Raises OSError."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise OSError(f"not a path inside the skill folder: {rel!r}")
    parent = _open_parent(folder, parts[:-1])
    try:
        fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=parent)
    finally:
        os.close(parent)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"not a regular file: {rel!r}")
    return fd


def _chunks(fd: int, limit: int) -> Iterator[bytes]:
    """At most `limit + 1` bytes from `fd`, in chunks."""
    left = limit + 1
    while left > 0:
        chunk = os.read(fd, min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def read_bytes(folder: Path, rel: str, limit: int) -> bytes | None:
    """The content of `folder/rel`, or None when it holds more than `limit` bytes (never more
    than `limit + 1` bytes are read). Raises OSError."""
    fd = open_file(folder, rel)
    try:
        data = b"".join(_chunks(fd, limit))
    finally:
        os.close(fd)
    return None if len(data) > limit else data


def read_head(folder: Path, rel: str, size: int) -> bytes:
    """The first `size` bytes of `folder/rel` (fewer for a shorter file). Raises OSError."""
    fd = open_file(folder, rel)
    try:
        return b"".join(_chunks(fd, size - 1)) if size > 0 else b""
    finally:
        os.close(fd)


def copy_file(folder: Path, rel: str, out: BinaryIO, limit: int) -> int:
    """Stream `folder/rel` into `out`; the bytes copied. Raises ValueError when the file holds
    more than `limit` bytes (it grew since it was listed), OSError when it cannot be read."""
    fd = open_file(folder, rel)
    copied = 0
    try:
        for chunk in _chunks(fd, limit):
            copied += len(chunk)
            if copied > limit:
                raise ValueError(f"'{rel}' grew past {limit} bytes while being copied")
            out.write(chunk)
    finally:
        os.close(fd)
    return copied
