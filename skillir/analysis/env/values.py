"""The grammar of every value a skill's dependencies carry into generated shell.

Extraction (`skillir.analysis.env.deps`) drops a value that fails its grammar, with a warning; the
`env`
dialect's verifier rejects one, so no pass can put it in the IR; `bind-env` builds commands only
from values that passed. Every grammar is ASCII, has no whitespace or shell metacharacter
beyond those a version range needs, and never lets a name start with `-` (it would be read as an
option by the package manager).

| kind | name | version |
|---|---|---|
| env | `[A-Za-z_][A-Za-z0-9_]*` | none |
| pip | PEP 508 name | PEP 440 specifiers (`>=1,<2`, `==1.*`), comma-separated |
| npm | npm package name, optionally `@scope/` | semver range (`1.x || >=2 <3`) or dist-tag |
| system | Debian / Homebrew package (`poppler-utils`, `python@3.11`) | Debian version (`1.6*`) |
| binary | program name (`pdftotext`, `g++`) | none |
| service | `host:port` (a name or `[v6]` address) | none |
| tool | harness tool (`shell`, `file.read`) | none |

A `system` dependency found in an install line also names its package `manager` (one of
`MANAGERS`) and, when it is one of several alternatives, the program it `provides` (a program
name): alternatives for other platforms are never demanded.
"""

from __future__ import annotations

import re

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PIP_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?\Z")
_PEP440 = r"[0-9A-Za-z](?:[0-9A-Za-z.*+!_-]{0,62})"
_PIP_CLAUSE = rf"(?:===|==|~=|!=|<=|>=|<|>) *{_PEP440}"
PIP_VERSION = re.compile(rf"{_PIP_CLAUSE}(?: *, *{_PIP_CLAUSE})*\Z")
# npm reads a name ending like an archive as a local tarball (`npm install -- evil.tgz`)
NPM_NAME = re.compile(
    r"(?!.*\.(?:tgz|tar|tar\.gz)\Z)(?:@[a-z0-9~][a-z0-9._~-]{0,100}/)?[a-z0-9~][a-z0-9._~-]{0,213}\Z"
)
_PART = r"(?:0|[1-9][0-9]*|[xX*])"
_SEMVER = rf"v?{_PART}(?:\.{_PART}){{0,2}}(?:-[0-9A-Za-z.-]{{1,40}})?(?:\+[0-9A-Za-z.-]{{1,40}})?"
_COMPARATOR = rf"(?:[<>]=?|=|~|\^)? *{_SEMVER}"
_RANGE = rf"(?:{_SEMVER} +- +{_SEMVER}|{_COMPARATOR}(?: +{_COMPARATOR})*|\*|)"
NPM_VERSION = re.compile(rf"(?: *{_RANGE} *(?:\|\| *{_RANGE} *)*|[A-Za-z][A-Za-z0-9._-]{{0,40}})\Z")
SYSTEM_NAME = re.compile(
    r"(?:[a-z0-9][a-z0-9_-]{0,40}/[a-z0-9][a-z0-9_.-]{0,40}/)?[a-z0-9][a-z0-9+._-]{0,100}"
    r"(?:@[0-9][0-9.]{0,20})?\Z"
)
SYSTEM_VERSION = re.compile(r"(?:[0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,100}\*?\Z")
BINARY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,100}\Z")
SERVICE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\]):[0-9]{1,5}\Z"
)
TOOL_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,40}\Z")

# package manager -> the platform it installs for; bind-env's platforms are debian and macos
MANAGERS: dict[str, str] = {
    "apt": "debian",
    "apt-get": "debian",
    "brew": "macos",
    "port": "macos",
    "choco": "windows",
    "winget": "windows",
    "scoop": "windows",
    "dnf": "fedora",
    "yum": "fedora",
    "pacman": "arch",
    "zypper": "suse",
    "apk": "alpine",
}

_NAMES: dict[str, tuple[re.Pattern[str], str]] = {
    "env": (ENV_NAME, "environment variable name"),
    "pip": (PIP_NAME, "Python distribution name (PEP 508)"),
    "npm": (NPM_NAME, "npm package name"),
    "system": (SYSTEM_NAME, "system package name"),
    "binary": (BINARY_NAME, "program name"),
    "service": (SERVICE, "service address (host:port)"),
    "tool": (TOOL_NAME, "harness tool name"),
}
_VERSIONS: dict[str, tuple[re.Pattern[str], str]] = {
    "pip": (PIP_VERSION, "PEP 440 version specifier"),
    "npm": (NPM_VERSION, "npm version range"),
    "system": (SYSTEM_VERSION, "Debian package version"),
}
# longer values are refused before any pattern runs, so matching stays linear in practice
MAX_VALUE = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: str, limit: int = 60) -> str:
    """`value` quoted for a message: control characters escaped, long values cut."""
    text = value if len(value) <= limit else value[: limit - 3] + "..."
    return repr(text)


def name_problem(kind: str, name: str) -> str | None:
    """Why `name` is not a valid name of a `kind` dependency; None when it is."""
    rule = _NAMES.get(kind)
    if rule is None:
        return f"unknown dependency kind {shown(kind)}"
    pattern, what = rule
    if len(name) > MAX_VALUE or not name.isascii() or pattern.match(name) is None:
        return f"{shown(name)} is not a valid {what}"
    return None


def version_problem(kind: str, version: str) -> str | None:
    """Why `version` is not a valid version constraint of a `kind` dependency; None when it is."""
    rule = _VERSIONS.get(kind)
    if rule is None:
        return f"a {kind} dependency takes no version (got {shown(version)})"
    pattern, what = rule
    if len(version) > MAX_VALUE or not version.isascii() or pattern.match(version) is None:
        return f"{shown(version)} is not a valid {what}"
    return None


def dep_problem(kind: str, name: str, version: str | None) -> str | None:
    """The first problem of a dependency's values; None when all match their grammar."""
    return name_problem(kind, name) or (
        version_problem(kind, version) if version is not None else None
    )


def path_problem(rel: str) -> str | None:
    """Why `rel` is not a plain relative path inside a skill folder; None when it is."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return f"{shown(rel)} is not a relative path inside the skill folder"
    if _CONTROL.search(rel):
        return f"{shown(rel)} holds control characters"
    return None


def has_control(text: str) -> bool:
    """True when `text` holds a character that would end or redraw a line of shell text."""
    return _CONTROL.search(text) is not None


def comment_text(text: str) -> str:
    """`text` safe inside a `# ...` shell comment: control characters as `\\xNN` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
