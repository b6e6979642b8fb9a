"""The identity of a skill for JIT candidates: a digest of its SKILL.md and bundled files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from skillir.skill_files import list_files, open_file

HARNESS = "bare"  # the runtime's own agent loop is the harness of every traced run


def skill_digest(folder: Path) -> str:
    """`sha256:HEX` over the names and bytes of the files of a skill folder (the one walk
    policy of `skillir.skill_files`: links inside the skill read as their file); a changed
    skill gets a new digest, so old candidates are never reused for it."""
    h = hashlib.sha256()
    for found in list_files(folder).files:
        h.update(found.rel.encode() + b"\0")
        try:
            fd = open_file(folder, found.real)
        except OSError:
            h.update(b"unreadable\0")
            continue
        with os.fdopen(fd, "rb") as data:
            while chunk := data.read(1 << 20):
                h.update(chunk)
        h.update(b"\0")
    return f"sha256:{h.hexdigest()}"
