"""The manifest of a compiled skill folder: which files the compiler generated, with digests,
sealed with a key of this user.

`skill-translate --target=HARNESS -o DIR` writes `DIR/skillir-manifest.json`; `skill-run` runs a
folder's `env-setup.sh` (or reads its `plan.json` as compiled) only when the manifest lists that
file as generated, the file's SHA-256 matches, and the manifest's `seal` (HMAC-SHA256 of the
list, keyed with this user's `~/.config/skillir/manifest.key`, made on first use, mode 0600)
verifies. A skill author can ship a folder with a manifest of their own, but cannot seal it: a
hand-written or edited script, or a folder compiled by someone else, is never run (recompile it
here). The key lies outside every sandbox's view.

    {"format": "skillir-compiled", "version": 1,
     "generated": {"env-setup.sh": "<sha256 hex>", "plan.json": "<sha256 hex>"},
     "seal": "<hmac-sha256 hex>"}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

MANIFEST = "skillir-manifest.json"
FORMAT = "skillir-compiled"
KEY_FILE = "manifest.key"
_MAX_MANIFEST_BYTES = 64_000
_MAX_GENERATED_BYTES = 4_000_000


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_path() -> Path:
    """Where this user's sealing key lives ($XDG_CONFIG_HOME, else ~/.config)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "skillir" / KEY_FILE


def _key(create: bool) -> bytes | None:
    """This user's key (32 random bytes); made when `create` and missing. None when there is
    none or it is not a private regular file of this user."""
    path = key_path()
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
    data = _read_regular(path.parent, path.name, 64)
    if data is None or len(data) != 32:
        return None
    info = os.stat(path, follow_symlinks=False)
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return data


def _seal(key: bytes, generated: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(sorted(generated.items())), separators=(",", ":"))
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def manifest_bytes(generated: Mapping[str, bytes]) -> bytes:
    """The manifest listing `generated` (relative path → content) with their digests, sealed
    with this user's key (made on first use)."""
    digests = {rel: digest(data) for rel, data in sorted(generated.items())}
    body: dict[str, object] = {"format": FORMAT, "version": 1, "generated": digests}
    key = _key(create=True)
    if key is not None:
        body["seal"] = _seal(key, digests)
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


def sealed(body: dict) -> bool:
    """Whether a manifest's list of generated files carries this user's seal."""
    generated, seal = body.get("generated"), body.get("seal")
    if not isinstance(generated, dict) or not isinstance(seal, str):
        return False
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in generated.items()):
        return False
    key = _key(create=False)
    return key is not None and hmac.compare_digest(_seal(key, generated), seal)


def generated_file(folder: Path, rel: str) -> bytes | None:
    """The content of `rel` when the folder's sealed manifest lists it as generated and its
    digest matches; None for a folder without a valid manifest, one sealed by someone else (or
    not at all), an unlisted file or an edited one."""
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
    if not isinstance(expected, str) or not sealed(body):
        return None
    data = _read_regular(folder, rel, _MAX_GENERATED_BYTES)
    if data is None or digest(data) != expected:
        return None
    return data
