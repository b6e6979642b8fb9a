"""The manifest of a compiled skill folder: which files the compiler generated, with digests.

`skill-translate --target=HARNESS -o DIR` writes `DIR/skillir-manifest.json`; `skill-run` runs a
folder's `env-setup.sh` (or reads its `plan.json` as compiled) only when the manifest lists that
file as generated and the file's SHA-256 matches. A hand-written or edited script in a skill
folder is therefore never run.

    {"format": "skillir-compiled", "version": 1,
     "generated": {"env-setup.sh": "<sha256 hex>", "plan.json": "<sha256 hex>"}}
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path

MANIFEST = "skillir-manifest.json"
FORMAT = "skillir-compiled"
_MAX_MANIFEST_BYTES = 64_000
_MAX_GENERATED_BYTES = 4_000_000


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(generated: Mapping[str, bytes]) -> bytes:
    """The manifest listing `generated` (relative path → content) with their digests."""
    body = {
        "format": FORMAT,
        "version": 1,
        "generated": {rel: digest(data) for rel, data in sorted(generated.items())},
    }
    return (json.dumps(body, indent=2) + "\n").encode("utf-8")


def _read_regular(folder: Path, rel: str, limit: int) -> bytes | None:
    """The bytes of `folder/rel` when it is a regular file (not a link) of at most `limit`
    bytes, read from one descriptor opened without following a final symlink."""
    try:
        fd = os.open(folder / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    finally:
        os.close(fd)


def generated_file(folder: Path, rel: str) -> bytes | None:
    """The content of `rel` when the folder's manifest lists it as generated and its digest
    matches; None for a folder without a valid manifest, an unlisted file or an edited one."""
    raw = _read_regular(folder, MANIFEST, _MAX_MANIFEST_BYTES)
    if raw is None or "/" in rel or rel in ("", ".", ".."):
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return None
    generated = body.get("generated")
    expected = generated.get(rel) if isinstance(generated, dict) else None
    if not isinstance(expected, str):
        return None
    data = _read_regular(folder, rel, _MAX_GENERATED_BYTES)
    if data is None or digest(data) != expected:
        return None
    return data
