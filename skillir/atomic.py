"""Writing a file atomically: a temporary file beside it, renamed into place."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write `text` (UTF-8, newlines as given) to `path`, so a reader sees the old file or the
    new one, never half of it. The new file keeps the mode of the one it replaces (or the
    umask's); a symlink is written through to its target; a device or pipe is written directly.

    Raises `OSError` (never blocks) for what cannot be written: a directory (`EISDIR`), a
    symlink loop (`ELOOP`), a FIFO that no process reads (`ENXIO`), a missing parent folder.
    """
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None  # a new file (or a dangling symlink: created where it points)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(Path(path), text)
        return
    target = Path(os.path.realpath(path))
    if info is not None:
        mode = stat.S_IMODE(info.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_special(path: Path, text: str) -> None:
    """Write to a device or FIFO in place. The open does not wait for a reader: a FIFO that
    nobody reads is an error, not a hang."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as err:
        if err.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "a FIFO that no process reads", str(path)) from None
        raise
    os.set_blocking(fd, True)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
