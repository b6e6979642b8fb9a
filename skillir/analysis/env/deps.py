"""Environment binding: what a skill assumes of the machine, extracted deterministically.

Reads a `skill.skill` op (code blocks by language, prose/step/bullet text) and the files bundled
next to the SKILL.md, and returns `Dependency` records: Python distributions (`pip`), npm packages
(`npm`), system packages named in install commands (`system`), CLI programs invoked (`binary`),
local network services (`service`), environment variables read (`env`) and harness tools the
prose needs (`tool`). Nothing is executed or installed; tables live in
`skillir/data/dependency_tables.toml`.

    >>> python_deps("import cv2\\nos.getenv('API_KEY')", 1, set())[0][0].name
    'opencv-python'
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from skillir.analysis.cap.constraints import ORIGIN
from skillir.analysis.env.need import (
    SOURCED,
    Mentions,
    choice_text,
    declared_optional,
    declared_required,
    modules_of,
    procedure_text,
    product_lines,
    required_groups,
    run_files,
    service_mode,
)
from skillir.analysis.env.values import MANAGERS, dep_problem, path_problem
from skillir.data import load
from skillir.frontend import shell
from skillir.frontend.inline import INLINE_CODE
from skillir.frontend.languages import canonical, is_session
from skillir.regex_literals import LiteralIndex, caseless_safe, fold_case, literal_prefixes
from skillir.skill_files import SkillFile, list_files, read_bytes

if TYPE_CHECKING:
    from skillir.dialects.skill import SkillSkillOp

KINDS = ("pip", "npm", "system", "binary", "service", "env", "tool")
TABLES_FILE = "dependency_tables.toml"

Problem = tuple[int, int, str]
# the results of analysing one text are kept: compiling a skill for several targets sees the
# same code blocks and prose again
_CACHED_TEXTS = 8192


@dataclass(frozen=True)
class Dependency:
    """One assumption about the machine; `line`/`col` are 1-based, in the SKILL.md unless
    `evidence` names a bundled file (then they are in that file)."""

    kind: str
    name: str
    version: str | None
    line: int
    col: int
    evidence: str
    # a system package found in an install line: its package manager (`brew`, `apt-get`, ...)
    # and, when several managers' lines are alternatives, the program they all provide
    manager: str | None = None
    provides: str | None = None
    # named only outside the skill's procedure (`skillir.analysis.env.need`): checked and
    # reported, never required
    optional: bool = False
    # an npm package installed with `-g` (checked and installed globally)
    globally: bool = False


@dataclass(frozen=True)
class Tables:
    import_to_dist: dict[str, str]
    # distribution -> the other import names it ships (`databricks-connect`: `pyspark`)
    dist_brings: dict[str, frozenset[str]]
    binary_to_package: dict[str, dict[str, str]]
    shell_builtins: frozenset[str]
    always_present: frozenset[str]
    node_builtins: frozenset[str]
    standard_env: frozenset[str]


@cache
def tables() -> Tables:
    """The dependency tables, loaded once."""
    data = load(TABLES_FILE)
    lists = data["lists"]
    return Tables(
        import_to_dist=dict(data["python_import_to_dist"]),
        dist_brings={k: frozenset(v) for k, v in data["python_dist_brings"].items()},
        binary_to_package={k: dict(v) for k, v in data["binary_to_package"].items()},
        shell_builtins=frozenset(lists["shell_builtins"]),
        always_present=frozenset(lists["always_present"]),
        node_builtins=frozenset(lists["node_builtins"]),
        standard_env=frozenset(lists["standard_env"]),
    )


# ---------------------------------------------------------------------------------------------
# shared helpers

_LOCAL_URL = re.compile(
    r"\b(https?|wss?|postgres(?:ql)?|redis|mongodb|mysql|amqp)://(?:[^@/\s]+@)?"
    r"(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?",
    re.IGNORECASE,
)
_DEFAULT_PORT = {
    "http": "80",
    "https": "443",
    "ws": "80",
    "wss": "443",
    "postgres": "5432",
    "postgresql": "5432",
    "redis": "6379",
    "mongodb": "27017",
    "mysql": "3306",
    "amqp": "5672",
}
# the whole name after `$` / `${` (`$OtherAgent` is one name, not `$O`); only upper-case names
# (`_UPPER`) are taken for environment variables
_ENV_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_UPPER = re.compile(r"[A-Z][A-Z0-9_]*\Z|_[A-Z0-9_]*[A-Z][A-Z0-9_]*\Z")
_PIP_SPEC = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?:(===|==|>=|<=|~=|!=|>|<)\s*([^;\s]+))?"
    r"\s*(?:;.*)?\Z"
)
# an attribute access (`fs.readFileSync`), not a program file (`python3.11` keeps its digits)
_ATTRIBUTE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")
_CMD_NAME = re.compile(r"[A-Za-z0-9_][\w.+-]*\Z")


def normalize_dist(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of `-_.` become `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _offset_to_pos(code: str, offset: int, first_line: int, first_col: int = 1) -> tuple[int, int]:
    line = code.count("\n", 0, offset)
    start = code.rfind("\n", 0, offset) + 1
    col = offset - start + 1
    return first_line + line, col + (first_col - 1 if line == 0 else 0)


def _line_text(code: str, offset: int) -> str:
    start = code.rfind("\n", 0, offset) + 1
    end = code.find("\n", offset)
    snippet = code[start : end if end >= 0 else len(code)].strip()
    return snippet if len(snippet) <= 100 else snippet[:97] + "..."


def _services(code: str, first_line: int, first_col: int = 1) -> list[Dependency]:
    out: list[Dependency] = []
    if "://" not in code:
        return out
    for m in _LOCAL_URL.finditer(code):
        scheme, host, port = m.group(1).lower(), m.group(2).lower(), m.group(3)
        name = f"{host}:{port or _DEFAULT_PORT.get(scheme, '80')}"
        line, col = _offset_to_pos(code, m.start(), first_line, first_col)
        out.append(Dependency("service", name, None, line, col, _line_text(code, m.start())))
    return out


def _pip_spec(spec: str) -> tuple[str, str | None] | None:
    spec = spec.strip().strip("'\"")
    if not spec or spec.startswith(("-", ".", "/", "~")) or "://" in spec or "@" in spec:
        return None
    m = _PIP_SPEC.match(spec)
    if m is None:
        return None
    op, ver = m.group(3), m.group(4)
    version = None if op is None else op + ver
    return m.group(1), version


def _npm_spec(spec: str) -> tuple[str, str | None] | None:
    spec = spec.strip().strip("'\"")
    if not spec or spec.startswith(("-", ".", "/", "~")) or ":" in spec:
        return None
    scoped = spec.startswith("@")
    body = spec[1:] if scoped else spec
    name, _, version = body.partition("@")
    name = ("@" if scoped else "") + name
    if not re.fullmatch(r"(@[\w.-]+/)?[\w.-]+", name):
        return None
    return name.lower(), version or None


# ---------------------------------------------------------------------------------------------
# Python


def import_to_dist(module: str) -> str:
    """Distribution installing import `module`: the table (longest dotted prefix first), else
    the top-level name. Never what happens to be installed where the compiler runs: the same
    skill compiles to the same setup on every machine."""
    table = tables().import_to_dist
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        hit = table.get(".".join(parts[:i]))
        if hit is not None:
            return hit
    return parts[0].lower()


def _dotted(node: ast.expr) -> str:
    """`a.b.c` for a chain of attributes on a name, else "" (a loop: chains can be long)."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(attrs)])


def _str_const(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


_SUBPROCESS = {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput"}


# what an `except` clause catching one of these says was only tried: an import, a program
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
_RUN_ERRORS = {
    "FileNotFoundError",
    "OSError",
    "SubprocessError",
    "CalledProcessError",
    "subprocess.SubprocessError",
    "subprocess.CalledProcessError",
    "PermissionError",
}


def _tried(tree: ast.AST) -> dict[str, set[int]]:
    """Nodes inside the body of a `try` whose handlers catch the failure of an import
    (`pip`: ImportError) or of a program (`binary`: FileNotFoundError, OSError, a bare or
    `Exception` handler): the code works without them (one GPU vendor's tool of several)."""
    out: dict[str, set[int]] = {"pip": set(), "binary": set()}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught: set[str] = set()
        for handler in node.handlers:
            kinds = handler.type
            names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
            caught |= {"Exception" if n is None else _dotted(n) for n in names}
        inside = {id(n) for stmt in node.body for n in ast.walk(stmt)}
        if caught & (_IMPORT_ERRORS | {"Exception", "BaseException"}):
            out["pip"] |= inside
        if caught & (_RUN_ERRORS | {"Exception", "BaseException"}):
            out["binary"] |= inside
    return out


def python_deps(
    code: str, first_line: int, local_modules: set[str]
) -> tuple[list[Dependency], list[Problem]]:
    """Imports, environment reads, subprocess programs and localhost URLs in Python `code`
    whose first line is `first_line`. A syntax error is returned as a problem."""
    deps, problems = _python_deps(code, first_line, frozenset(local_modules))
    return list(deps), list(problems)


@lru_cache(maxsize=_CACHED_TEXTS)
def _python_deps(
    code: str, first_line: int, local_modules: frozenset[str]
) -> tuple[tuple[Dependency, ...], tuple[Problem, ...]]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None) or 1
        col = getattr(err, "offset", None) or 1
        msg = getattr(err, "msg", str(err))
        return (), ((first_line + line - 1, col, f"python: {msg} [python-syntax]"),)
    except (RecursionError, MemoryError):
        return (), ((first_line, 1, "python: nested too deeply to read [python-syntax]"),)
    lines = code.splitlines()
    deps: list[Dependency] = []
    problems: list[Problem] = []

    tried = _tried(tree)

    def at(node: ast.AST, kind: str, name: str, version: str | None = None) -> None:
        if id(node) in tried.get("pip" if kind == "pip" else kind, ()):
            return  # inside `try: ... except ImportError / FileNotFoundError`: only tried
        lineno = getattr(node, "lineno", 1)
        text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
        deps.append(
            Dependency(
                kind,
                name,
                version,
                first_line + lineno - 1,
                getattr(node, "col_offset", 0) + 1,
                text[:100],
            )
        )

    def module(node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if not top or top == "__future__" or top in sys.stdlib_module_names:
            return
        if top in local_modules:
            return
        at(node, "pip", import_to_dist(name))

    checked = _done_without(tree)
    # `os.environ.get(A) or os.environ.get(B)`: either will do, so neither is required
    bools = [node for node in ast.walk(tree) if isinstance(node, ast.BoolOp)]
    either = {id(value) for node in bools for value in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                # `from google import genai` is `google.genai` when the table knows it
                table = tables().import_to_dist
                full = [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
                module(node, next((f for f in full if f in table), node.module))
        elif isinstance(node, ast.Subscript):
            if _dotted(node.value) in ("os.environ", "environ"):
                key = _str_const(node.slice)
                if key and key not in tables().standard_env:
                    at(node, "env", key)
        elif isinstance(node, ast.Call):
            func = _dotted(node.func)
            first = node.args[0] if node.args else None
            if func in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
                key = _str_const(first)
                # a default (`get("CODEX_HOME", "~/.codex")`) or an alternative: optional
                optional = (
                    len(node.args) > 1
                    or bool(node.keywords)
                    or id(node) in either
                    or id(node) in checked
                )
                if key and key not in tables().standard_env and not optional:
                    at(node, "env", key)
            elif func in ("os.system", "os.popen") or (
                func.startswith("subprocess.") and func.split(".", 1)[1] in _SUBPROCESS
            ):
                cmd = _str_const(first)
                if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
                    prog = _str_const(first.elts[0])
                    if prog:
                        name = _command_name(prog)
                        if name:
                            at(node, "binary", name)
                elif cmd is not None:
                    sub, _ = _shell(cmd, 1, 1)
                    for d in sub:
                        if d.kind != "env":
                            at(node, d.kind, d.name, d.version)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for d in _services(node.value, 1):
                at(node, "service", d.name)
    # `subprocess.run([sys.executable, "-m", "pip", "install", "yt-dlp"])`: the script installs
    # it when it is missing, so neither the package nor its program is a need
    provisioned = _self_installed(tree)
    deps = [
        replace(d, optional=True)
        if d.kind in ("pip", "binary") and d.name.lower() in provisioned
        else d
        for d in deps
    ]
    deps.sort(key=lambda d: (d.line, d.col))
    return tuple(deps), tuple(problems)


_EXITS = frozenset(("sys.exit", "exit", "quit", "os._exit", "parser.error", "die", "fail"))


def _done_without(tree: ast.AST) -> set[int]:
    """The ids of calls whose value the script tests and goes on without: `key =
    os.getenv("K")`, then `if key: ... else: ...` (or `if not key: ...`) where the branch for
    a missing value neither raises nor exits."""
    assigned: dict[str, int] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
        ):
            assigned[node.targets[0].id] = id(node.value)
    done: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        test, negated = node.test, False
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, negated = test.operand, True
        if not isinstance(test, ast.Name) or test.id not in assigned:
            continue
        without = node.body if negated else node.orelse
        stops = any(
            isinstance(n, ast.Raise) or (isinstance(n, ast.Call) and _dotted(n.func) in _EXITS)
            for stmt in without
            for n in ast.walk(stmt)
        )
        if without and not stops:
            done.add(assigned[test.id])
    return done


def _self_installed(tree: ast.AST) -> set[str]:
    """Lower-case names of the packages a Python script pip-installs itself (an argv list
    holding `pip` then `install`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.List, ast.Tuple)):
            continue
        words = [_str_const(e) or "" for e in node.elts]
        for i, word in enumerate(words[:-1]):
            if word.rsplit("/", 1)[-1] in ("pip", "pip3") and words[i + 1] == "install":
                names |= {w.lower() for w in words[i + 2 :] if w and not w.startswith("-")}
    return names


# ---------------------------------------------------------------------------------------------
# shell

_ASSIGN = re.compile(
    r"(?:^|[\s;&|(`])(?:(?:export|local|readonly|declare|typeset)\s+(?:-\w+\s+)*)?"
    r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?="
)
_FOR_READ = re.compile(
    r"\b(?:for|select)\s+([A-Za-z_]\w*)\s+in\b|\bread\s+(?:-\w+\s+(?:'[^']*'\s+|\"[^\"]*\"\s+)?)*"
    r"((?:[A-Za-z_]\w*[ \t]*)+)"
)
_PY = re.compile(r"python(?:3(?:\.\d+)?)?\Z")


_SCRIPT_FILE = re.compile(r"\.(?:sh|bash|py|js|mjs|pl|rb|ps1)\Z")


def _command_name(word: str) -> str | None:
    """The program a command word names, or None for paths to local scripts and placeholders."""
    if word.startswith(("./", "../", "~")) or (("/" in word) and not word.startswith("/")):
        return None
    name = word.rsplit("/", 1)[-1]
    if word.startswith("/") and _SCRIPT_FILE.search(name):
        return None  # `/tmp/dotnet-install.sh`: a file run by its path, not a program on PATH
    if not _CMD_NAME.match(name) or name.isupper():
        return None
    t = tables()
    if _ATTRIBUTE.match(name) and name not in t.binary_to_package:
        return None  # `db.users.insertOne`, `gget.module`: code, not a program
    if name in t.shell_builtins or name in t.always_present:
        return None
    return name


# package manager -> the verbs that install with it
_INSTALL_VERBS = {
    "apt-get": ("install",),
    "apt": ("install",),
    "brew": ("install",),
    "port": ("install",),
    "dnf": ("install",),
    "yum": ("install",),
    "zypper": ("install", "in"),
    "apk": ("add", "install"),
    "choco": ("install",),
    "winget": ("install",),
    "scoop": ("install",),
    "pacman": ("-S", "-Sy", "-Syu", "-Su"),
}
_WORD = tuple[str, str, str | None, int, str | None]


def _python_line(name: str, args: Sequence[str]) -> bool:
    """Whether a "command" in a shell block is a Python statement (`import gget`, `from x
    import y`), not ImageMagick's `import file.png`."""
    if name == "from":
        return len(args) >= 2 and args[1] == "import"
    return (
        name == "import"
        and len(args) in (1, 3)
        and re.fullmatch(r"[A-Za-z_][\w.]*", args[0]) is not None
        and (len(args) == 1 or args[1] == "as")
        and not re.search(r"\.(?:png|jpe?g|gif|tiff?|bmp|pdf|ps|miff|webp)\Z", args[0], re.I)
    )


def _words_deps(words: Sequence[tuple[str, int]]) -> list[_WORD]:
    """(kind, name, version, offset, manager) for one simple command given as (word, offset)
    pairs; `manager` names the package manager of a `system` package, else None."""
    out: list[_WORD] = []
    if [w for w, _ in words[:2]] in (["command", "-v"], ["command", "-V"]):
        return out  # `command -v dnf`: a probe for a program, which works without it
    i = shell.program([w for w, _ in words], shell.EVERY)
    if i >= len(words):
        return out
    cmd, off = words[i]
    args = [w for w, _ in words[i + 1 :]]
    offs = [o for _, o in words[i + 1 :]]
    name = _command_name(cmd)
    if name is None or _python_line(name, args):
        return out
    out.append(("binary", name, None, off, None))

    def rest_after(idx: int, value_flags: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        res, j = [], idx
        while j < len(args):
            a = args[j]
            if a in value_flags:
                j += 2
                continue
            if not a.startswith("-"):
                res.append((a, offs[j]))
            j += 1
        return res

    pip_flags = (
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "-t",
        "--target",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-e",
        "--editable",
        "--python",
        "-p",
        "--prefix",
        "--root",
        "--group",
        "--optional",
        "--extra",
    )
    pip_at = None
    if name in ("pip", "pip3") or re.fullmatch(r"pip3\.\d+", name):
        pip_at = 0
    elif _PY.match(name) and args[:2] == ["-m", "pip"]:
        pip_at = 2
    # (`uv add X` adds X to the user's project, not to this machine: not a dependency)
    elif name == "uv" and args[:1] == ["pip"]:
        pip_at = 1
    if pip_at is not None and pip_at < len(args) and args[pip_at] in ("install", "add"):
        for spec, o in rest_after(pip_at + 1, pip_flags):
            parsed = _pip_spec(spec)
            if parsed:
                out.append(("pip", parsed[0], parsed[1], o, None))
    elif name == "pipx" or (name == "uv" and args[:1] == ["tool"]):
        # `pipx install X` / `uv tool install X` install a tool; `uvx X`, `pipx run X` and
        # `uv tool run X` fetch it into their own cache when run, where a pip install of X
        # is never looked for: the runner is the need
        start = {"pipx": 1, "uv": 2}[name]
        if args[start - 1 : start] == ["install"]:
            rest = rest_after(start, ("--from", "--python", "-p"))
            if rest and _pip_spec(rest[0][0]):
                spec = _pip_spec(rest[0][0])
                assert spec is not None
                out.append(("pip", spec[0], spec[1], rest[0][1], None))
    elif (
        name in ("npm", "yarn", "pnpm", "bun")
        and args[:1]
        and args[0]
        in (
            "i",
            "install",
            "add",
        )
    ):
        for spec, o in rest_after(1, ("--registry",)):
            parsed = _npm_spec(spec)
            if parsed:
                out.append(("npm", parsed[0], parsed[1], o, None))
    elif name in ("npx", "bunx") or (name in ("pnpm", "yarn") and args[:1] == ["dlx"]):
        rest = rest_after(0 if name in ("npx", "bunx") else 1, ("-p", "--package"))
        first = 0 if name in ("npx", "bunx") else 1
        # `npx -p PKG cmd`: the package is PKG, not cmd; options after cmd are cmd's
        # (`npx expo export -p web`)
        for j, a in enumerate(args[first:], first):
            if not a.startswith("-"):
                break
            if a in ("-p", "--package") and j + 1 < len(args):
                rest = [(args[j + 1], offs[j + 1])]
                break
            if a.startswith("--package="):
                rest = [(a.split("=", 1)[1], offs[j] + len("--package="))]
                break
        if rest:
            parsed = _npm_spec(rest[0][0])
            if parsed:
                out.append(("npm", parsed[0], parsed[1], rest[0][1], None))
    elif name in _INSTALL_VERBS and args and args[0] in _INSTALL_VERBS[name]:
        value_flags = ("-t", "--target-release", "-e", "--id", "-s", "--source", "--version")
        for spec, o in rest_after(1, value_flags):
            pkg = spec.split("=", 1)[0]
            if name == "winget":
                pkg = pkg.lower()  # winget ids are case-insensitive (`Gyan.FFmpeg`)
            if re.fullmatch(r"[a-z0-9][a-z0-9.+@/_-]*", pkg):
                ver = spec.split("=", 1)[1] if "=" in spec and name != "winget" else None
                out.append(("system", pkg, ver, o, name))
    return out


_PREFIX_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
_SLOT_VALUE = re.compile(r"<[^>]*>|\byour[_-]|\.\.\.|\bxxx", re.IGNORECASE)


def _passed(code: str) -> set[str]:
    """Variables a command of `code` is given on its own line (`NAME=value cmd ...`), the
    value not a slot for the user (`KEY=<your-key>`): the skill provides them to what runs."""
    names: set[str] = set()
    for line in code.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:
            continue  # an unclosed quote: not read
        pending: list[str] | None = []  # None: past the command word of this command
        for token in tokens:
            m = _PREFIX_ASSIGN.fullmatch(token)
            if set(token) <= set("|&;()<>"):
                pending = []
            elif pending is None:
                continue
            elif m is not None:
                if not _SLOT_VALUE.search(m.group(2)):
                    pending.append(m.group(1))
            else:
                names.update(pending)
                pending = None
    return names


def _assigned(code: str) -> set[str]:
    names = {m.group(1) for m in _ASSIGN.finditer(code)}
    for m in _FOR_READ.finditer(code):
        if m.group(1):
            names.add(m.group(1))
        if m.group(2):
            names.update(m.group(2).split())
    return names


def _project_install(words: Sequence[tuple[str, int]]) -> bool:
    """Whether a command adds packages to the current project (`npm install react@17`, `yarn
    add x`, no `-g`): the user's project needs them, not the skill's machine."""
    argv = [w for w, _ in words]
    i = shell.program(argv, shell.EVERY)
    if i >= len(argv) or _command_name(argv[i]) not in ("npm", "yarn", "pnpm", "bun"):
        return False
    args = argv[i + 1 :]
    return (
        bool(args)
        and args[0] in ("i", "install", "add")
        and not any(a in ("-g", "--global") or a.startswith("--location=global") for a in args)
    )


# words of code in another language that a line-wise reading takes for programs
_CODE_WORDS = frozenset(
    ("import", "from", "print", "def", "return", "const", "let", "var", "function", "class")
)


def _not_a_program(name: str, known: frozenset[str] | set[str]) -> bool:
    """Whether a word the line-wise fallback took for a program is more likely code or text:
    a keyword of Python or JavaScript (`print` of a `python3 -c "..."`), a capitalised word
    (`Bearer $TOKEN` of a header) or one or two letters, and no program the tables know."""
    if name in known:
        return False
    return name in _CODE_WORDS or name[:1].isupper() or len(name) <= 2


def _fetched_when_run(words: Sequence[tuple[str, int]]) -> bool:
    """Whether a command runs a package through a package runner (`npx create-video@latest`,
    `pnpm dlx x`), which fetches it when it is not installed (and without asking when the
    input is not a terminal, as under an agent): the runner is the need, not the package."""
    argv = [w for w, _ in words]
    i = shell.program(argv, shell.EVERY)
    if i >= len(argv):
        return False
    name = _command_name(argv[i])
    return name in ("npx", "bunx", "pnpx") or (
        name in ("pnpm", "yarn") and argv[i + 1 : i + 2] == ["dlx"]
    )


def _client_setup(words: Sequence[tuple[str, int]]) -> bool:
    """Whether a command registers an MCP server with one agent client (`claude mcp add ...`,
    `codex mcp add ...`, `code --add-mcp ...`): the user's client is one of several, and on
    that client's own harness its CLI is there."""
    argv = [w for w, _ in words]
    i = shell.program(argv, shell.EVERY)
    return argv[i + 1 : i + 2] == ["mcp"] or "--add-mcp" in argv[i + 1 :]


def _global_install(words: Sequence[tuple[str, int]]) -> bool:
    """Whether a command installs npm packages globally (`npm install -g x`, `yarn global add
    x`, `pnpm add -g x`)."""
    argv = [w for w, _ in words]
    i = shell.program(argv, shell.EVERY)
    if i >= len(argv) or _command_name(argv[i]) not in ("npm", "yarn", "pnpm", "bun"):
        return False
    args = argv[i + 1 :]
    return args[:2] == ["global", "add"] or (
        bool(args)
        and args[0] in ("i", "install", "add")
        and any(a in ("-g", "--global") or a == "--location=global" for a in args)
    )


def _slot_word(code: str, words: Sequence[tuple[str, int]]) -> bool:
    """Whether a one-word command is a slot of the text, not a program: a choice written
    `--tool codex|gemini|cursor` (glued to a `|` with no space) or a placeholder command
    substitution `$(skill-path)` naming no known program."""
    if len(words) != 1:
        return False
    word, at = words[0]
    if at >= 2 and code[at - 1] == "|" and not code[at - 2].isspace():
        return True
    known = tables().binary_to_package.keys() | tables().always_present
    return (
        code[max(at - 2, 0) : at] == "$("
        and code[at + len(word) : at + len(word) + 1] == ")"
        and word not in known
    )


# "<the failing command>", "<the same command from Step 2>": a slot of several words for the
# agent to fill in, not a redirection from a file `the` into a program `failing`; and a one-word
# slot standing alone as a word (`unzip -l <candidate.zip> | grep x`), not a redirection
# from `candidate.zip` into the next word
_ANGLE_SLOT = re.compile(
    r"<[A-Za-z][^<>\n]*\s[^<>\n]*[A-Za-z0-9]>"
    r"|(?<![^\s=(\"'])<[A-Za-z][\w.:/@-]*>(?=[\s|;&)\"']|\Z)"
)
# `<SKILL_BASE_DIR>/scripts/search.sh term`: a slot for a folder starting a path, the command a
# script at that path (its brackets become word characters), not a redirection into `term`
_SLOT_FOLDER = re.compile(r"(?<![^\s=(\"'])<([A-Za-z][\w.-]*)>(?=/)")


# after `${NAME`: a default (`:-`, `-`, `:=`, `=`, `:+`, `+`) or a substring (`:0:20`)
_DEFAULTED = re.compile(r":?[-=+]|:\s*-?\d")
# variables only Windows sets: a script reads them on that platform only
_WINDOWS_ENV = frozenset(
    ("LOCALAPPDATA", "APPDATA", "USERPROFILE", "PROGRAMDATA", "PROGRAMFILES", "SYSTEMROOT")
    + ("WINDIR", "COMSPEC", "HOMEDRIVE", "HOMEPATH", "PATHEXT", "USERDOMAIN", "USERNAME")
)


@lru_cache(maxsize=_CACHED_TEXTS)
def _shell(
    code: str, first_line: int, first_col: int
) -> tuple[tuple[Dependency, ...], tuple[Problem, ...]]:
    code = _ANGLE_SLOT.sub(lambda m: " " * len(m.group()), shell.blank_heredocs(code))
    code = _SLOT_FOLDER.sub(r"_\1_", code)
    script = shell.read(code, "exact")
    problems: list[Problem] = []
    for p in script.problems:
        line, col = p.line + first_line - 1, p.col + (first_col - 1 if p.line == 1 else 0)
        problems.append((line, col, f"shell: {p.message}; used line-wise fallback [shell-parse]"))
    commands = [tuple(zip(c.argv, c.offsets, strict=True)) for c in script.commands]
    functions = {a or b for a, b in _FUNCTION_DEF.findall(code)}
    # `if command -v dnf ...; then`, `command -v brew && ...`: the script uses the program only
    # where it is (a negated probe, `if ! command -v jq`, or `|| exit 1` requires it)
    functions |= {
        m.group(2)
        for m in _PROBE.finditer(code)
        if m.group(1)
        or code.startswith("&&", _skip_redirects(code, m.end()))
        # `command -v uvx >/dev/null || return 1` in a `try_uvx` function: the next way is tried
        or _OR_RETURN.match(code, _skip_redirects(code, m.end())) is not None
    }
    warned = {
        m.group(1) for m in _NEGATED_PROBE.finditer(code) if not _STOPS.search(m.group("then"))
    }
    deps: list[Dependency] = []
    # where the parser gave up, the line-wise reading can take code of another language or a
    # header value for a program (`print(...)` of a `python3 -c "..."`, `Bearer $TOKEN`): such
    # words are not required there (`_not_a_program`)
    known = tables().binary_to_package.keys() | tables().always_present
    guessed = bool(script.problems)
    for words in commands:
        if _slot_word(code, words):
            continue
        # the user's project's packages, and what a package runner fetches: not the skill's
        elsewhere = _project_install(words) or _fetched_when_run(words)
        globally = _global_install(words)
        for kind, name, version, off, manager in _words_deps(words):
            if kind == "binary" and name in functions:
                continue  # a function the script defines, or a program it probes for
            line, col = _offset_to_pos(code, off, first_line, first_col)
            evidence = _line_text(code, off)
            # `xattr -d ... 2>/dev/null || true`: best effort, the script goes on without it
            optional = (elsewhere and kind == "npm") or (
                kind == "binary"
                and (
                    _BEST_EFFORT.match(code, off) is not None
                    or _client_setup(words)
                    or name in warned
                )
            )
            deps.append(
                Dependency(
                    kind,
                    name,
                    version,
                    line,
                    col,
                    evidence,
                    manager,
                    optional=optional
                    or (guessed and kind == "binary" and _not_a_program(name, known)),
                    globally=globally and kind == "npm",
                )
            )
    assigned = _assigned(code)
    standard = tables().standard_env
    unquoted = re.sub(r"'[^'\n]*'", lambda q: " " * len(q.group()), code)
    sourced = _SOURCE.search(code) is not None  # `. /etc/os-release` sets ID, PRETTY_NAME
    for m in _ENV_REF.finditer(unquoted):
        var = m.group(1)
        if var in assigned or var in standard or not _UPPER.match(var):
            continue
        if sourced and not _CREDENTIAL.search(var):
            continue
        line, col = _offset_to_pos(code, m.start(), first_line, first_col)
        # `${NAME:-default}`, `${NAME=x}`, `${NAME:0:20}`: the script runs without it
        defaulted = m.group(0).startswith("${") and _DEFAULTED.match(unquoted, m.end())
        optional = bool(defaulted) or var in _WINDOWS_ENV
        deps.append(
            Dependency("env", var, None, line, col, _line_text(code, m.start()), optional=optional)
        )
    # a URL in a comment ("# Navigate to http://localhost:7860") tells the reader where to
    # look, usually at what the block itself starts
    uncommented = _COMMENT.sub(lambda c: " " * len(c.group()), code)
    deps.extend(_services(uncommented, first_line, first_col))
    deps.sort(key=lambda d: (d.line, d.col))
    return tuple(deps), tuple(problems)


_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.MULTILINE)


_PROBE = re.compile(
    r"(\b(?:el)?if\s+)?(?<!!\s)\b(?:command\s+-[vV]|which|hash|type\s+-[pP])\s+([A-Za-z0-9_][\w.+-]*)"
)


_OR_RETURN = re.compile(r"\|\|\s*return\b")
# `if ! command -v zip &>/dev/null; then printf "[WARN] zip not found (optional)"; fi`: a probe
# whose branch for a missing program only warns; one that stops (`exit`, `return 1`, `die`)
# requires it
_NEGATED_PROBE = re.compile(
    r"\bif\s+!\s+(?:command\s+-[vV]|which|hash|type\s+-[pP])\s+([A-Za-z0-9_][\w.+-]*)[^\n]*?"
    r"(?:;\s*|\n\s*)then\b(?P<then>(?:(?!\b(?:fi|else|elif)\b).)*)",
    re.DOTALL,
)
_STOPS = re.compile(
    r"\bexit\b|\breturn\s+[1-9]|\b(?:die|fail|fatal|abort)\w*|\berr(?:or)?\b|\brequired\b",
    re.IGNORECASE,
)


def _skip_redirects(code: str, at: int) -> int:
    """The offset after `>/dev/null 2>&1`-style redirects and spaces from `at`."""
    m = re.compile(r"(?:\s*(?:[0-9&]?>>?&?\s*\S+))*\s*").match(code, at)
    return m.end() if m else at


# the rest of a command line that ends in `|| true` / `|| :`, no other command before it
_BEST_EFFORT = re.compile(r"[^\n;&|]*\|\|\s*(?:true|:)\s*(?:[;)#]|$)", re.MULTILINE)
_FUNCTION_DEF = re.compile(
    r"^\s*(?:function\s+([A-Za-z_][\w.-]*)|([A-Za-z_][\w.-]*)\s*\(\s*\))", re.MULTILINE
)


def shell_deps(code: str, first_line: int) -> tuple[list[Dependency], list[Problem]]:
    """Programs, install commands, unassigned environment variables and localhost URLs in a
    shell script whose first line is `first_line`. bashlex parse failures become problems and
    the script is re-read line by line with `shlex`."""
    deps, problems = _shell(code, first_line, 1)
    return list(deps), list(problems)


# ---------------------------------------------------------------------------------------------
# JavaScript / TypeScript

_JS_IMPORT = re.compile(
    r"""\brequire\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)"""
    r"""|\bimport\s*\(\s*(['"`])([^'"`\n]+)\3\s*\)"""
    r"""|\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?(['"])([^'"\n]+)\5"""
)
_JS_DEFAULT = re.compile(r"\s*(?:\|\||\?\?)")
_JS_ENV = re.compile(r"""\bprocess\.env(?:\.([A-Za-z_]\w*)|\[\s*['"]([A-Za-z_]\w*)['"]\s*\])""")


_JS_FALLBACK = re.compile(r"(?:\|\||\?\?)\s*\Z")


def _js_candidate(code: str, start: int, end: int) -> bool:
    """Whether `code[start:end]` is an element of an array literal (`[process.env.X, ...]`):
    one candidate of several."""
    head = code[max(0, start - 200) : start]
    opened = head.rfind("[")
    if opened < 0 or any(c in head[opened:] for c in "]();"):
        return False
    return code[end:].lstrip()[:1] in (",", "]")


def js_package(spec: str) -> str | None:
    """npm package a module specifier names, or None for builtins, relative paths and URLs."""
    spec = spec.removeprefix("npm:")
    # `~/x`, `#x`, `@/x`: path aliases of the project (tsconfig `paths`, package `imports`)
    if spec.startswith(("node:", ".", "/", "bun:", "deno:", "~", "#", "@/")) or "://" in spec:
        return None
    if not spec:
        return None
    parts = spec.split("/")
    name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
    if spec.startswith("@") and (len(parts) < 2 or len(parts[0]) < 2 or not parts[1]):
        return None
    if not spec.startswith("@") and "@" in name[1:]:
        name = name.split("@", 1)[0]
    builtins = tables().node_builtins
    if spec in builtins or name in builtins:
        return None
    return name.lower()


def js_deps(code: str, first_line: int) -> list[Dependency]:
    """npm packages imported or required, and `process.env` reads, in JS/TS `code`."""
    return list(_js_deps(code, first_line))


@lru_cache(maxsize=_CACHED_TEXTS)
def _js_deps(code: str, first_line: int) -> tuple[Dependency, ...]:
    deps: list[Dependency] = []
    for m in _JS_IMPORT.finditer(code):
        spec = m.group(2) or m.group(4) or m.group(6)
        name = js_package(spec)
        if name:
            line, col = _offset_to_pos(code, m.start(), first_line)
            deps.append(Dependency("npm", name, None, line, col, _line_text(code, m.start())))
    for m in _JS_ENV.finditer(code):
        line, col = _offset_to_pos(code, m.start(), first_line)
        var = m.group(1) or m.group(2)
        if var in tables().standard_env:
            continue
        # `process.env.X || 'default'`, `?? ''`, `flag || process.env.X`, one of a list of
        # candidates: the code runs without it
        optional = (
            _JS_DEFAULT.match(code, m.end()) is not None
            or _JS_FALLBACK.search(code, max(0, m.start() - 8), m.start()) is not None
            or _js_candidate(code, m.start(), m.end())
            or var in _WINDOWS_ENV
        )
        evidence = _line_text(code, m.start())
        deps.append(Dependency("env", var, None, line, col, evidence, optional=optional))
    deps.extend(_services(code, first_line))
    deps.sort(key=lambda d: (d.line, d.col))
    return tuple(deps)


# ---------------------------------------------------------------------------------------------
# prose


@dataclass(frozen=True)
class _Phrases:
    """A case-insensitive pattern, the literals one of which each match holds (a text holding
    none of them is skipped), and the pattern without the flag for lower-case ASCII text,
    where the `re` engine runs faster and matches the same."""

    regex: re.Pattern[str]
    folded: re.Pattern[str]
    literals: tuple[str, ...] | None

    @classmethod
    def of(cls, pattern: str) -> _Phrases:
        if re.search(r"(?<!\\)[A-Z]", pattern):
            raise ValueError(f"phrase pattern with an upper-case letter: {pattern!r}")
        literals = literal_prefixes(pattern)
        if literals is not None and not all(caseless_safe(word) for word in literals):
            literals = None
        return cls(re.compile(pattern, re.IGNORECASE), re.compile(pattern), literals)

    def finditer(self, text: str, folded: str, present: set[str]) -> Iterator[re.Match[str]]:
        """The matches in `text`, given `folded`, its `fold_case` (for an ASCII text, the
        matches in `folded`), and which `_PHRASE_LITERALS` occur there."""
        if self.literals is not None and present.isdisjoint(self.literals):
            return iter(())
        if text.isascii():
            return self.folded.finditer(folded)
        return self.regex.finditer(text)


_INSTALLERS = {
    "pip",
    "pip3",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "bun",
    "bunx",
    "apt",
    "apt-get",
    "brew",
    "uv",
    "uvx",
    "pipx",
    "python",
    "python3",
    *MANAGERS,
}
_SHELL_WORDS = _Phrases.of(
    r"\b(?:run|execute)\s+(?:the\s+|this\s+)?(?:following\s+)?(?:shell\s+)?(?:commands?|scripts?)\b"
    r"|\b(?:in|from|using)\s+(?:a|the)\s+(?:terminal|shell)\b",
)
_READ_WORDS = _Phrases.of(
    r"\b(?:read|open|load|parse|inspect|review|examine|scan|look\s+at|search)(?:ing)?\b[^.\n]{0,40}?"
    r"\b(?:files?|documents?|contents|code|[\w/-]+\.(?:md|json|csv|txt|ya?ml|toml|pdf|docx|xlsx|py|"
    r"png|jpe?g))\b|を読[むみん]|を確認|を参照",
)
_WRITE_WORDS = _Phrases.of(
    r"\b(?:write|save|create|generate|edit|modify|update|overwrite|put)\b[^.\n]{0,40}?"
    r"\b(?:files?|documents?|[\w/-]+\.(?:md|json|csv|txt|ya?ml|toml|html|py|docx|xlsx|pptx))\b"
    r"|\bediting\b|を(?:書[くき]|編集|作成|保存|更新)|自動適用"
    r"|\b(?:save|write)\s+(?:it|them|the\s+\w+)?\s*(?:to|as|into)\b",
)
_WEB_URL = _Phrases.of(
    r"\b(?:fetch|download|visit|browse|open|get|call|query|request|navigate\s+to|look\s+up|"
    r"retrieve|scrape|crawl|curl)\b[^\n]{0,60}?(https?://[^\s)>\]`'\"]+)",
)
_BROWSER_WORDS = _Phrases.of(
    r"\b(?:web\s+)?browser\b|\bplaywright\b|\bpuppeteer\b|\bselenium\b|\bheadless\s+(?:chrom"
    r"(?:e|ium)|browser|firefox)\b|\bclick(?:s|ing)?\s+(?:on\s+)?(?:the\s+)?(?:button|link)\b",
)


# every literal of the phrase patterns above, found in a text in one pass
_PHRASE_LITERALS = LiteralIndex(
    word
    for phrases in (_SHELL_WORDS, _READ_WORDS, _WRITE_WORDS, _WEB_URL, _BROWSER_WORDS)
    for word in phrases.literals or ()
)


_PLACEHOLDER = re.compile(r"\b(?:replace|substitute|fill\s+in)\b[^.\n]*\Z", re.IGNORECASE)
_NEGATED = re.compile(
    r"\b(?:not|never|instead\s+of|rather\s+than|avoid(?:ing)?|don't|do\s+not|without)\b[^.\n]*\Z",
    re.IGNORECASE,
)
# "Prefer `gh pr view`, ... and `gh api` over unauthenticated `curl` or `wget`"
_DISPREFERRED = re.compile(r"\bprefer(?:s|red)?\b[^.\n]*\bover\b[^.\n]*\Z", re.IGNORECASE)


# what introduces a list of values to choose from, and what separates its items
_CHOICE_LEAD = re.compile(
    r"\b(?:accepts?|one\s+of|any\s+of|choose\s+(?:from|between)|choices?|values?|supports?)"
    r"\s*:?\s*\Z",
    re.IGNORECASE,
)
_CHOICE_GAP = re.compile(r"[\s,/()|]*(?:(?:or|and|alias)\b[\s,/()|]*)*", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.!?;](?:\s|$)")
# "Run via `astro otto` to get it automatically, or install standalone with `uv tool install
# ...`": a second way in the same sentence, after ", or"
_OTHER_WAY = re.compile(r"[^.!?;\n`]*,\s+or\s+[^.!?;\n`]*", re.IGNORECASE)
_IF_AVAILABLE = re.compile(
    r"\bif\s+(?:it\s+is\s+|it's\s+|(?:the|a|an|your)\s+[\w-]+\s+(?:is|are)\s+)?"
    r"(?:available|installed|present|reachable|accessible)\b|\bwhen\s+(?:available|reachable)\b"
    r"|\boptional\b|\b(?:if|where|when(?:ever)?)\s+possible\b"
    # "`npm install resend` (or the equivalent for your language)": one way of several
    r"|\bor\s+(?:the|an?|its|your)\s+equivalent\b",
    re.IGNORECASE,
)
# "... is `npx prettier --write` territory, not this skill's job": what the skill leaves to others
_NOT_OURS = re.compile(
    r"\bterritory\b|\bnot\s+(?:this|the|our)\s+skill['’]?s?\s+(?:job|concern|scope|task)\b"
    r"|\bout\s+of\s+(?:this\s+skill['’]s\s+)?scope\b",
    re.IGNORECASE,
)
_NO_BEFORE = re.compile(r"\b(?:no|without)\s*\Z", re.IGNORECASE)  # "No `pip install` required"
# a text about what the skill suggests to the user: the programs it names are its advice
_RECOMMENDS = re.compile(
    r"\b(?:never\s+|do\s+not\s+|don't\s+)?(?:suggest|recommend)(?:s|ed)?\b", re.IGNORECASE
)
_EITHER = re.compile(r"\s*(?:/|,?\s*or)\s*", re.IGNORECASE)
# inline code quoted as an example of wording, or given as one: it is what a text says, not a
# command the skill runs
# "If you don't have a Stripe account, ... install the Stripe CLI (`npm i -g @stripe/cli`)": a
# way for a reader without something, not what the skill runs
_IF_LACKING = re.compile(
    r"\bif\s+you\s+(?:do\s+not|don[’']t|lack|have\s+no)\b|\bwithout\s+an?\s+\w+\s+account\b",
    re.IGNORECASE,
)
# "if nx isn't installed globally", "if `jq` is not installed": the skill has a way without it
_WHEN_ABSENT = re.compile(
    r"\bif\s+`?([A-Za-z0-9_][\w.+-]*)`?\s+(?:isn['’]t|is\s+not|is\s+missing|not)\s+"
    r"(?:installed|available|present|found|on\s+(?:the\s+)?path)\b"
    # "Without `jq`: run ... and copy the field by hand"
    r"|(?:^|[.!?]\s+|\n\s*[-*]?\s*)without\s+`([A-Za-z0-9_][\w.+-]*)`\s*[:,]",
    re.IGNORECASE,
)
_SIBLING_RUN = re.compile(r"(?:^|[\s\"'=])\.\./[\w.-]+/(?:scripts|bin)/", re.M)
# `npx @posthog/cli ...`, `bunx --bun prisma ...`: a package runner fetches the program when
# it runs (the runner's own options first)
_NPX_RUN = re.compile(
    r"\b(?:npx|bunx|pnpx|pnpm\s+dlx|yarn\s+dlx)\s+(?:--?[a-z][\w-]*\s+)*"
    r"(@[\w.-]+/[\w.-]+|[\w.-]+)"
)


def _run_by_npx(text: str) -> set[str]:
    """Binary names that `text` also runs through a package runner: the package's name, and a
    scoped package's `scope-name` (`@posthog/cli` gives `posthog-cli`)."""
    names = set()
    for package in _NPX_RUN.findall(text):
        names.add(package)
        if package.startswith("@"):
            names.add(package[1:].replace("/", "-"))
    return names


_LIST_SEP = re.compile(r"\s*(?:,|;|/|\bor\b|\band\b|,\s*(?:or|and)\b)\s*", re.IGNORECASE)
_EXAMPLE_BEFORE = re.compile(
    r"[\"“]\Z|\b(?:e\.g\.|for\s+example|for\s+instance|such\s+as|like)\s*[:,]?\s*[\"“(]?\Z"
    r"|\b(?:examples?|drafts?|samples?)\s*:\s*[\"“]?\Z",
    re.IGNORECASE,
)


_STARTS_SERVER = re.compile(
    r"\b(?:starts?|started|launch(?:es)?|serves?|serving|listens?|listening|opens?)\b[^.]*://",
    re.IGNORECASE,
)


def is_command_span(span: str) -> bool:
    """Whether inline code `span` is a command line (`$ cmd`, `pip install x`, `rg -n x`)
    rather than a name or a path."""
    if span.startswith("$ "):
        return True
    words = span.split()
    if not words:
        return False
    t = tables()
    first = words[0].rsplit("/", 1)[-1] if words[0].startswith("/") else words[0]
    if first in _INSTALLERS and len(words) > 1:
        return True
    if first in t.binary_to_package:
        return len(words) > 1 or first not in ("make", "go", "git", "node", "java", "tar")
    return first in t.always_present and len(words) > 1 and first != "file"


def text_deps(text: str, first_line: int) -> list[Dependency]:
    """Commands in inline code, `$VAR` references, localhost URLs and harness tools (`shell`,
    `file.read`, `file.write`, `web`, `browser`) that prose, a step or a bullet assumes."""
    return list(_text_deps(text, first_line))


@lru_cache(maxsize=_CACHED_TEXTS)
def _text_deps(text: str, first_line: int) -> tuple[Dependency, ...]:
    deps: list[Dependency] = []
    standard = tables().standard_env
    shell_at: int | None = None
    spans = list(INLINE_CODE.finditer(text)) if "`" in text else []
    # "`npm test` / `cargo test` / `pytest`", "`brew install x` or `apt install x`": one of them
    either = {
        k
        for i in range(len(spans) - 1)
        if _EITHER.fullmatch(text, spans[i].end(), spans[i + 1].start())
        for k in (i, i + 1)
    }
    example = False
    choice = False
    for index, m in enumerate(spans):
        span = m.group(2).strip()
        start = m.start(2) + (len(m.group(2)) - len(m.group(2).lstrip()))
        line, col = _offset_to_pos(text, start, first_line)
        # "`--tool` accepts: `uvx`, `pipx`, `curl` ...": the values of an option, any one of them
        choice = bool(
            choice and index and _CHOICE_GAP.fullmatch(text, spans[index - 1].end(), m.start())
        ) or bool(_CHOICE_LEAD.search(text[max(0, m.start() - 40) : m.start()]))
        if choice or (index and _OTHER_WAY.fullmatch(text, spans[index - 1].end(), m.start())):
            continue
        lone = " " not in span
        # "(e.g., `npm update stripe`, `pip install --upgrade stripe`)": the whole list
        listed = example and index and _LIST_SEP.fullmatch(text, spans[index - 1].end(), m.start())
        example = bool(listed) or bool(
            _EXAMPLE_BEFORE.search(text[max(0, m.start() - 40) : m.start()])
        )
        if example:
            continue  # `"`npm test` exits 0"`, "Draft: `make checkout faster`": example text
        before = text[max(0, m.start() - 300) : m.start()]
        rest = text[m.end() : m.end() + 120]
        clause = rest[: max(60, _CLAUSE_END.search(rest + ". ").start())]  # "... if possible:"
        if (
            _IF_AVAILABLE.search(clause)
            or _IF_AVAILABLE.search(text[max(0, m.start() - 40) : m.start()])
            or _IF_LACKING.search(before)
        ):
            continue  # "Primary: `gemini` CLI (if available)": the skill does without it
        if _RECOMMENDS.search(text[max(0, m.start() - 120) : m.start()]):
            continue  # "Never suggest GitHub MCP. Always use `gh`": what the skill recommends
        if _NO_BEFORE.search(text[max(0, m.start() - 8) : m.start()]) or _NOT_OURS.search(
            text[m.end() : m.end() + 60]
        ):
            continue  # "`npx prettier --write` territory, not this skill's job": another tool's
        if is_command_span(span) and not (
            lone
            and (
                _NEGATED.search(text[max(0, start - 80) : start])
                or _DISPREFERRED.search(text[max(0, start - 300) : start])
            )
        ):
            cmd = span[2:] if span.startswith("$ ") else span
            sub, _ = _shell(cmd, line, col + (2 if span.startswith("$ ") else 0))
            if index in either:  # one of them: only install lines, an any-of group
                sub = tuple(d for d in sub if d.kind == "system" and d.manager)
            deps.extend(replace(d, evidence=span[:100]) for d in sub)
            if shell_at is None:
                shell_at = start
        else:
            if _PLACEHOLDER.search(text[max(0, start - 40) : start]) or text[
                m.end() : m.end() + 6
            ].startswith(" with "):
                continue
            for e in _ENV_REF.finditer(span):
                var = e.group(1)
                if var not in standard and _UPPER.match(var):
                    eline, ecol = _offset_to_pos(text, start + e.start(), first_line)
                    defaulted = e.group(0).startswith("${") and _DEFAULTED.match(span, e.end())
                    deps.append(
                        Dependency(
                            "env", var, None, eline, ecol, span[:100], optional=bool(defaulted)
                        )
                    )
    if not any(d.kind == "service" for d in deps):
        deps.extend(_services(text, first_line))
    folded = fold_case(text)
    present = _PHRASE_LITERALS.present(folded)
    if shell_at is None:
        m = next(_SHELL_WORDS.finditer(text, folded, present), None)
        shell_at = m.start() if m else None
    if shell_at is not None:
        line, col = _offset_to_pos(text, shell_at, first_line)
        deps.append(Dependency("tool", "shell", None, line, col, _line_text(text, shell_at)))
    for name, pattern, group in (
        ("file.read", _READ_WORDS, 0),
        ("file.write", _WRITE_WORDS, 0),
        ("web", _WEB_URL, 1),
        ("browser", _BROWSER_WORDS, 0),
    ):
        if name == "web" and "://" not in text:
            continue
        for m in pattern.finditer(text, folded, present):
            if name == "web" and _LOCAL_URL.match(m.group(1)):
                continue
            line, col = _offset_to_pos(text, m.start(group), first_line)
            deps.append(Dependency("tool", name, None, line, col, _line_text(text, m.start())))
            break
    deps.sort(key=lambda d: (d.line, d.col))
    return tuple(deps)


# ---------------------------------------------------------------------------------------------
# whole skill

# the inline metadata block of a PEP 723 script
_INLINE_METADATA = re.compile(r"^# /// script\s*$", re.MULTILINE)
_TEST_FILE = re.compile(r"test_.*\.py\Z|.*_test\.py\Z|conftest\.py\Z")
_SKIP_DIRS = {"node_modules", ".venv", "venv", "__pycache__", ".git"}
_MAX_FILES = 200
_MAX_BYTES = 1_000_000


_SCRIPT_RUNNER = re.compile(r"\b(?:uv|pipx|hatch|pdm)\s+run\b|\buvx\b")


def _run_by_uv(rel: str, text: str, procedure: str) -> bool:
    """Whether a PEP 723 script runs under a tool that installs its inline dependencies: its
    shebang says so (`#!/usr/bin/env -S uv run --script`), or a line of the procedure runs it
    with one (`uv run scripts/x.py`, or a copy the procedure makes of it); run as
    `python3 x.py` or by a `python3` shebang, its imports must already be installed."""
    first = text.split("\n", 1)[0]
    if first.startswith("#!") and _SCRIPT_RUNNER.search(first):
        return True
    name = PurePosixPath(rel).name
    # `cp scripts/quickstart_complete.py ./pinecone_quickstart.py`: the copy runs too
    names = {name} | {
        PurePosixPath(m.group(2)).name
        for m in _COPY_LINE.finditer(procedure)
        if PurePosixPath(m.group(1)).name == name
    }
    pattern = re.compile("|".join(rf"(?<![\w.-]){re.escape(n)}\b" for n in sorted(names)))
    return any(
        _SCRIPT_RUNNER.search(line) and pattern.search(line) for line in procedure.splitlines()
    )


_COPY_LINE = re.compile(r"\bcp\s+(?:-\w+\s+)*['\"]?([\w./-]+\.py)['\"]?\s+['\"]?([\w./-]+\.py)\b")


def _strip_prompts(code: str, lang: str) -> str:
    """Blank out `$ ` prompts (keeping columns); in console transcripts, drop output lines."""
    lines = code.split("\n")
    prompted = any(ln.lstrip().startswith("$ ") for ln in lines)
    out = []
    for ln in lines:
        stripped = ln.lstrip()
        if stripped.startswith("$ "):
            indent = len(ln) - len(stripped)
            out.append(" " * (indent + 2) + stripped[2:])
        elif is_session(lang) and prompted:
            out.append("")
        else:
            out.append(ln)
    return "\n".join(out)


def _is_explicit(dep: Dependency) -> bool:
    return re.match(r"(?:[^\s:]+: )?(?:import|from)\s", dep.evidence) is None


def _key(dep: Dependency) -> tuple[str, str]:
    """A dependency's identity across its mentions (a distribution by its normalised name)."""
    return dep.kind, normalize_dist(dep.name) if dep.kind == "pip" else dep.name


def _dedupe(deps: Iterable[Dependency]) -> list[Dependency]:
    out: list[Dependency] = []
    index: dict[tuple[str, str, str], int] = {}
    for d in deps:
        if d.kind == "pip":
            d = replace(d, name=normalize_dist(d.name))
        key = (d.kind, d.name, d.manager or "")
        if key not in index:
            index[key] = len(out)
            out.append(d)
            continue
        old = out[index[key]]
        if d.globally and not old.globally:
            old = out[index[key]] = replace(old, globally=True)
        if old.optional and not d.optional:
            # required where the procedure runs it: that evidence, the explicit version kept
            out[index[key]] = replace(d, version=d.version or old.version, globally=old.globally)
        elif d.kind == "pip" and not _is_explicit(old) and _is_explicit(d):
            out[index[key]] = replace(d, optional=old.optional, globally=old.globally)
        elif old.version is None and d.version is not None and _is_explicit(d):
            out[index[key]] = replace(old, version=d.version)
    return out


_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_SOURCE_SUFFIXES = (".py", ".sh", ".bash", ".js", ".mjs", ".cjs", ".ts")


def _bundled_files(skill_dir: Path) -> list[SkillFile]:
    """The bundled files that can name dependencies (scripts, `requirements.txt`,
    `package.json`), in path order, under the walk policy of `skillir.skill_files`; none in
    hidden folders or tool caches, nor what an earlier compile generated there
    (`skillir.targets.recompile.generated_names`: its env-setup.sh is no script of the skill)."""
    from skillir.targets.recompile import generated_names

    generated = generated_names(skill_dir)
    found: list[SkillFile] = []
    for file in list_files(skill_dir).files:
        parts = file.rel.split("/")
        if any(p in _SKIP_DIRS or p.startswith(".") for p in parts[:-1]) or file.rel in generated:
            continue
        name = parts[-1]
        if name == "SKILL.md":
            continue
        if name.endswith(_SOURCE_SUFFIXES) or name in ("requirements.txt", "package.json"):
            found.append(file)
        if len(found) >= _MAX_FILES:
            break
    return found


def _tag(deps: Iterable[Dependency], rel: str) -> list[Dependency]:
    return [replace(d, evidence=f"{rel}: {d.evidence}") for d in deps]


def _requirements(text: str) -> list[Dependency]:
    deps = []
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        parsed = _pip_spec(line)
        if parsed and not _DEV_TOOL.match(normalize_dist(parsed[0])):
            deps.append(Dependency("pip", parsed[0], parsed[1], i, 1, line[:100]))
    return deps


# the test and lint tools of a bundled requirements file: for developing the scripts
_DEV_TOOL = re.compile(
    r"(?:pytest|coverage|mypy|ruff|black|flake8|pylint|isort|tox|nox|pre-commit)(?:-[\w-]+)?\Z"
)


def _package_json(text: str) -> tuple[list[Dependency], list[Problem]]:
    try:
        data = json.loads(text)
    except ValueError as err:
        return [], [(getattr(err, "lineno", 1), getattr(err, "colno", 1), f"json: {err}")]
    except RecursionError:
        return [], [(1, 1, "json: nested too deeply to read")]
    deps = []
    lines = text.splitlines()
    for section in ("dependencies", "devDependencies"):
        table = data.get(section) if isinstance(data, dict) else None
        if not isinstance(table, dict):
            continue
        for name, version in table.items():
            line, col = 1, 1
            for i, ln in enumerate(lines, 1):
                pos = ln.find(f'"{name}"')
                if pos >= 0:
                    line, col = i, pos + 1
                    break
            ver = version if isinstance(version, str) else None
            deps.append(Dependency("npm", name.lower(), ver, line, col, f"{section}: {name}"[:100]))
    return deps, []


def skill_deps(
    root: SkillSkillOp, skill_dir: Path | None
) -> tuple[list[Dependency], list[Problem]]:
    """Every dependency of a skill: its SKILL.md blocks in document order, then the files
    bundled under `skill_dir`; deduplicated by (kind, name), first position kept, explicit
    `pip install`/requirements entries preferred over import-derived names."""
    from skillir.dialects.skill import (
        BulletOp,
        CodeOp,
        ProseOp,
        QuoteOp,
        StepOp,
        TableOp,
        walk_ops,
    )

    files = _bundled_files(skill_dir) if skill_dir is not None else []
    paths = [PurePosixPath(f.rel) for f in files]
    local = {p.stem for p in paths if p.suffix == ".py"}
    # the skill's own packages, namespace packages included (`scripts/office/*.py`: `office`)
    local |= {part for p in paths if p.suffix == ".py" for part in p.parent.parts}
    # the skill's own folders (`from scripts import helpers`) are local too
    local |= {"scripts", "references", "assets"}
    if skill_dir is not None:
        local |= _folders(skill_dir)
    deps: list[Dependency] = []
    problems: list[Problem] = []
    referenced: set[tuple[int, int, str]] = set()
    platform_blocks: list[tuple[Any, list[Dependency]]] = []
    mentions = Mentions()
    ops = walk_ops(root)
    # modules the skill has the agent write ("Create `auth.py`"): `from auth import x` is local
    local |= {
        m.group(1)
        for op in ops
        if isinstance(op, (ProseOp, StepOp, BulletOp)) and hasattr(op, "text")
        for m in _WRITTEN_MODULE.finditer(op.text.data)
    }
    choices = choice_text(ops)
    twins = _language_twins(ops)
    for op in ops:
        if ORIGIN in op.attributes:
            continue  # a note a pass added ("... then write the SVG"): the compiler's words
        span = getattr(op, "span", None)
        line = span.data[0] if span is not None else 1
        before = len(deps)
        if isinstance(op, CodeOp):
            lang = op.lang.data.strip().lower()
            fence = op.fence.data if op.fence is not None else "```"
            first = line if fence == "" else line + 1
            code = op.text.data
            if canonical(lang) == "python":
                found, probs = python_deps(code, first, local)
                if twins:
                    # the Python side of examples given in Python and TypeScript: the user's
                    # app in the language they chose, its packages that project's
                    found = [replace(d, optional=d.optional or d.kind == "pip") for d in found]
                if _example_session(op, code):
                    # "Example usage:" code of the user's project (a DAG, an operator): its
                    # packages and variables are that project's, not the skill's
                    found = [replace(d, optional=True) for d in found if d.kind != "env"]
                deps.extend(found)
                problems.extend(probs)
            elif canonical(lang) == "shell":
                found, probs = shell_deps(_strip_prompts(code, lang), first)
                if _per_case_block(op):  # "For Solidity:", "For Rust:": one of them applies
                    found = [d for d in found if d.kind == "tool"]
                found = _conditional_lines(op, code, first, found)
                if _aside_section(op) or _example_session(op, code) or _printed_output(code):
                    found = [d for d in found if d.kind == "tool"]
                if _optional_intro(op):  # "Optionally, ...:", "... or use kcat:": one way
                    found = [replace(d, optional=True) for d in found]
                found = _example_versions(op, found)
                if _install_route(op):  # "### Docker", "### From source": one way in
                    found = [d for d in found if d.kind == "tool" or d.manager]
                if _SIBLING_RUN.search(code):
                    # runs a sibling skill's script (`node ../browser-trace/scripts/x.mjs`):
                    # that skill's step, its programs checked by that skill's own setup
                    found = [replace(d, optional=True) for d in found]
                if _platform_of_block(op) is not None:
                    platform_blocks.append((op, found))
                deps.extend(found)
                problems.extend(probs)
                if found or code.strip():
                    deps.append(Dependency("tool", "shell", None, first, 1, f"```{lang}"))
            elif canonical(lang) == "javascript":
                # a JavaScript block of SKILL.md is code of the user's app, or code to put in a
                # file first: what it imports is reported, never required
                found = [
                    replace(d, optional=d.optional or d.kind == "npm") for d in js_deps(code, first)
                ]
                if _project_source(op):
                    # a file of the user's project (`vite.config.js`, a `.tsx` component): the
                    # packages it imports are that project's, installed there, not here
                    found = [d for d in found if d.kind not in ("npm", "env")]
                elif _app_code(lang, code):
                    # an API route or a component of the user's app: the variables it reads
                    # are the app's configuration, not the agent's environment
                    found = [d for d in found if d.kind != "env"]
                deps.extend(found)
        elif isinstance(op, (ProseOp, StepOp, BulletOp, QuoteOp, TableOp)):
            found = text_deps(op.text.data, line)
            if (
                _in_trigger_section(op)
                or _in_example_section(op)
                or _aside_section(op)
                or (isinstance(op, (BulletOp, StepOp)) and _per_case_block(op))
                or _language_item(op)
                or (isinstance(op, TableOp) and _per_case(op.text.data))
                or len(_CASE_ARROW.findall(op.text.data)) >= 2
            ):
                # the situation the skill is for, or one row per case: not what it runs
                found = [d for d in found if d.kind == "tool"]
            deps.extend(found)
        if len(deps) > before:
            shown = not (
                _per_case_block(op)
                or (isinstance(op, CodeOp) and _optional_intro(op))
                or _in_example_section(op)
                or _aside_section(op)
                or (isinstance(op, TableOp) and _row_programs(deps[before:]))
            )
            products = product_lines(op, choices) if isinstance(op, CodeOp) else set()
            keys = [_key(d) for d in deps[before:] if d.kind != "tool" and d.line not in products]
            mentions.add(op, keys, shown)
        if span is not None and len(deps) > before:
            # texts are stored relative to their container's indentation: back to document columns
            shift = span.data[1] - 1 + _marker_width(op)
            deps[before:] = [replace(d, col=d.col + shift) for d in deps[before:]]
        if not isinstance(op, CodeOp) or canonical(op.lang.data) == "shell":
            # a `$NAME` of SKILL.md shell or prose: maybe a template slot, not the environment
            referenced |= {(d.line, d.col, d.name) for d in deps[before:] if d.kind == "env"}
    deps = _per_platform(deps, platform_blocks, ops)
    # read with a default or only on Windows somewhere: the code runs without it
    defaulted = {d.name for d in deps if d.kind == "env" and d.optional}
    # "Prefix commands with `npx` if nx isn't installed globally": the skill runs without it
    skill_text = "\n".join(op.text.data for op in ops if hasattr(op, "text"))
    spared = {a or b for a, b in _WHEN_ABSENT.findall(skill_text)} | _run_by_npx(skill_text)
    declared = declared_optional(str(root.field("frontmatter") or ""))
    deps = [
        replace(
            d,
            optional=d.kind != "tool"
            and (
                d.optional
                or d.kind == "service"  # started by the user or the skill, never installed
                or (d.kind == "binary" and d.name in MANAGERS)  # the installer of a line
                or (d.kind == "binary" and d.name in spared)
                or d.name.lower() in declared  # the skill's own `compatibility` spares it
                or not mentions.required(_key(d))
            ),
        )
        for d in deps
    ]
    assigned: set[str] = set()
    for op in ops:
        if isinstance(op, CodeOp) and canonical(op.lang.data) == "shell":
            assigned |= _assigned(op.text.data)
    deps = [d for d in deps if d.kind != "env" or d.name not in assigned]
    # `MANIFEST_PATH=... python3 scripts/select-batch.py`: what the script reads, it is given
    passed = {n for op in ops if isinstance(op, CodeOp) for n in _passed(op.text.data)}
    deps = [
        d for d in deps if (d.line, d.col, d.name) not in referenced or _reads_env(d, skill_text)
    ]
    # "This starts a local server at http://localhost:8081": the skill's own server, not one
    # it needs running
    started = {d.name for d in deps if d.kind == "service" and _STARTS_SERVER.search(d.evidence)}
    deps = [d for d in deps if d.kind != "service" or d.name not in started]
    deps = _valid(deps, "", problems)
    texts: dict[str, str] = {}
    for file, path in zip(files, paths, strict=True):
        if _TEST_FILE.match(path.name) or file.size > _MAX_BYTES:
            continue  # the skill's own tests: development dependencies
        rel = file.rel
        refused = path_problem(rel)
        if refused is not None:
            problems.append((1, 1, f"bundled file not read: {refused}"))
            continue
        try:
            assert skill_dir is not None
            data = read_bytes(skill_dir, file.real, _MAX_BYTES)
        except OSError as err:
            problems.append((1, 1, f"{rel}: cannot read: {err.strerror or err}"))
            continue
        if data is not None:  # None: grew past the limit since it was listed
            texts[rel] = data.decode("utf-8", errors="replace")
    procedure = procedure_text(ops)
    running = run_files(list(texts), procedure, texts)
    # PEP 723 scripts (`# /// script`) run by `uv run`, which installs what they import, and the
    # bundled modules they import, which run in that environment too
    by_uv = {
        rel
        for rel, text in texts.items()
        if rel.endswith(".py")
        and _INLINE_METADATA.search(text)
        and _run_by_uv(rel, text, procedure)
    }
    by_uv |= modules_of(by_uv, list(texts), texts)
    # the packages the JS/TS files that run import: a package.json beside them may list more
    scripts_js = [rel for rel in running if PurePosixPath(rel).suffix in _JS_SUFFIXES]
    js_imported = {d.name for rel in scripts_js for d in js_deps(texts[rel], 1) if d.kind == "npm"}
    # functions of the skill's shell files: a script calls those its sibling defines
    functions = {
        a or b
        for rel, text in texts.items()
        if PurePosixPath(rel).suffix in (".sh", ".bash")
        for a, b in _FUNCTION_DEF.findall(text)
    }
    for rel, text in texts.items():
        path = PurePosixPath(rel)
        probs: list[Problem] = []
        if path.name == "requirements.txt":
            found = _requirements(text)
        elif path.name == "package.json":
            found, probs = _package_json(text)
            if scripts_js:  # what no running script imports is for other tasks or tooling
                found = [
                    replace(d, optional=True)
                    if d.kind == "npm" and d.name not in js_imported
                    else d
                    for d in found
                ]
        elif path.suffix == ".py":
            found, probs = python_deps(text, 1, local)
        elif path.suffix in (".sh", ".bash"):
            found, probs = shell_deps(text, 1)
            # what the script installs, it installs when it runs: its installer is the need
            found = [
                d
                for d in found
                if d.kind not in ("npm", "pip", "system")
                and not (d.kind == "binary" and d.name in functions)
            ]
            if _INSTALLER_SCRIPT.fullmatch(path.stem) and _SYSTEM_INSTALL.search(text):
                # the skill's own installer (`bash scripts/setup.sh` the first time, which
                # `apt-get install`s): its install branches put the needs in place
                found = [replace(d, optional=True) if d.kind == "binary" else d for d in found]
            if _sources_outside(rel, text, texts):
                # `source "$SCRIPT_DIR/../../_lib/common.sh"`: a library the skill does not
                # bundle may define `require_cmd`, `die_json`; a name no table knows may be one
                known = tables().binary_to_package
                found = [
                    replace(d, optional=True)
                    if d.kind == "binary" and d.name not in known and not d.optional
                    else d
                    for d in found
                ]
        else:
            found = js_deps(text, 1)
        defaulted |= {d.name for d in found if d.kind == "env" and d.optional}
        defaulted |= _documented_defaults(text, {d.name for d in found if d.kind == "env"})
        if rel in by_uv:
            found = [replace(d, optional=True) if d.kind == "pip" else d for d in found]
        found = [
            replace(
                d,
                optional=d.kind != "tool"
                and (
                    d.optional
                    or rel not in running
                    or d.kind == "service"
                    or d.name.lower() in declared
                ),
            )
            for d in found
        ]
        problems.extend((ln, col, f"{rel}: {msg}") for ln, col, msg in probs)
        deps.extend(_tag(_valid(found, f"{rel}: ", problems), rel))
    deps = [
        replace(d, optional=True) if d.kind == "env" and d.name in defaulted else d
        for d in deps
        if d.kind != "env" or d.name not in passed
    ]
    deps = _imports_installed_as(deps, _pip_installed(skill_text))
    deps = _declared(deps, str(root.field("frontmatter") or ""), problems)
    return required_groups(_npm_programs(_alternatives(_provided(_dedupe(deps))))), problems


def _declared(
    deps: list[Dependency], frontmatter: str, problems: list[Problem]
) -> list[Dependency]:
    """`deps` with what the frontmatter declares required (`declared_required`): a dependency
    found in the text becomes required, one not found is added at its frontmatter line."""
    declared = {(kind, name): line for kind, name, line in declared_required(frontmatter)}
    out = [replace(d, optional=False) if (d.kind, d.name) in declared else d for d in deps]
    known = {(d.kind, d.name) for d in deps}
    added = [
        Dependency(kind, name, None, line, 1, f"frontmatter: requires {name}"[:100])
        for (kind, name), line in declared.items()
        if (kind, name) not in known
    ]
    return out + _valid(added, "", problems)


# a list item or a table row led by a language: "- [Python Implementation](...)",
# "| Node.js | `resend` | >= 6.9.2 |"
_STACK_LEAD = re.compile(
    r"\s*(?:\|\s*)?(?:\*\*|\[|`)?\s*(?:python|typescript|javascript|node(?:\.js)?|go(?:lang)?|"
    r"java|kotlin|swift|ruby|php|rust|c#|\.net|elixir|dart)\b(?![.\w])",
    re.IGNORECASE,
)


def _several_stacks(ops: Sequence[Any]) -> bool:
    """Whether the skill serves the user's app in several languages: a list of at least three
    items, or a table of at least three rows, each led by a language ("By Language/Stack: -
    Python ... - Node.js ... - Go ..."; a package table per SDK)."""
    from skillir.dialects.skill import BulletOp, TableOp

    for op in ops:
        if isinstance(op, TableOp):
            rows = op.text.data.splitlines()[2:]
            if sum(_STACK_LEAD.match(r) is not None for r in rows) >= 3:
                return True
        elif isinstance(op, BulletOp) and not isinstance(op.prev_op, BulletOp):
            items, item = [], op
            while isinstance(item, BulletOp):
                items.append(item)
                item = item.next_op
            if sum(_STACK_LEAD.match(i.text.data) is not None for i in items) >= 3:
                return True
    return False


def _language_twins(ops: Sequence[Any]) -> bool:
    """Whether SKILL.md gives its examples in several languages: at least two Python blocks
    each followed, with no heading between, by a JavaScript/TypeScript block or preceded by
    one; sibling sections titled by language ("### Python" / "### JavaScript/TypeScript")
    holding a Python block and a JavaScript one; or a list or table of stacks
    (`_several_stacks`)."""
    from skillir.dialects.skill import CodeOp, SectionOp

    if _several_stacks(ops):
        return True
    blocks = [op for op in ops if isinstance(op, CodeOp)]
    pairs = 0
    for first, second in zip(blocks, blocks[1:], strict=False):
        langs = {canonical(op.lang.data.strip().lower()) for op in (first, second)}
        if langs == {"python", "javascript"} and first.parent_op() is second.parent_op():
            pairs += 1
    if pairs >= 2:
        return True
    titled: dict[int, set[str]] = {}  # language sections of one parent: their blocks' languages
    for block in blocks:
        section = block.parent_op()
        # the nearest language-titled section ("## Python Frameworks" / "### Pattern 1: ...")
        while isinstance(section, SectionOp) and not all(
            _LANGUAGE_LABEL.fullmatch(part.strip() + ":") for part in section.title.data.split("/")
        ):
            section = section.parent_op()
        if isinstance(section, SectionOp):
            key = id(section.parent_op())
            titled.setdefault(key, set()).add(canonical(block.lang.data.strip().lower()))
    return any({"python", "javascript"} <= langs for langs in titled.values())


_DOCUMENTED_DEFAULT = re.compile(r"\b(?:default|defaults|optional)\b", re.IGNORECASE)
_DOCUMENTED_NEED = re.compile(r"\b(?:required|mandatory|no\s+default)\b", re.IGNORECASE)


def _documented_defaults(text: str, names: set[str]) -> set[str]:
    """The variables of `names` that a line of a bundled script documents as optional or
    defaulted ("RECENT=N  How many intervals (default: one cycle)", "Optional env: X")."""
    found = set()
    for line in text.splitlines():
        if _DOCUMENTED_DEFAULT.search(line) and not _DOCUMENTED_NEED.search(line):
            found |= {name for name in names if re.search(rf"\b{re.escape(name)}\b", line)}
    return found


_TRIGGER_TITLE = re.compile(
    r"\s*when\s+(?:not\s+)?to\s+(?:use|invoke|trigger)\b|\s*(?:triggers?|use\s+cases?)\s*\Z",
    re.IGNORECASE,
)


_APP_CODE = re.compile(r"^\s*(?:export|import)\s|\A\s*//\s*[\w.@+-]+/[\w./@+\[\]-]+\s*$", re.M)


_FILE_NAME = re.compile(r"`?[\w.@+\[\]/-]*\w\.(?:[jt]sx?|mjs|cjs)`?")


def _project_source(op: Any) -> bool:
    """Whether a JS/TS block of SKILL.md is a file of the user's project: TypeScript or JSX
    (the agent runs neither as it stands), headed by its path (`// app/api/chat+api.ts`), or
    under a section or after a sentence that names the file (`### vite.config.js`, "Create
    `app/page.tsx`:")."""
    from skillir.dialects.skill import SectionOp

    lang = op.lang.data.strip().lower()
    if lang in ("ts", "typescript", "tsx", "jsx"):
        return True
    if _PATH_HEADER.match(op.text.data):
        return True
    intro = _intro(op)
    if intro.endswith(":") and _FILE_NAME.search(intro):
        return True
    parent = op.parent_op()
    title = parent.title.data.strip() if isinstance(parent, SectionOp) else ""
    return _FILE_NAME.fullmatch(title) is not None


_PATH_HEADER = re.compile(r"\A\s*//\s*[\w.@+-]+/[\w./@+\[\]-]+\s*$", re.M)


def _app_code(lang: str, code: str) -> bool:
    """Whether a JS/TS block of SKILL.md is source of the user's app rather than a script the
    agent runs: TypeScript or JSX, a module (`import` / `export`), or headed by its path
    (`// app/api/chat+api.ts`)."""
    return lang in ("ts", "typescript", "tsx", "jsx") or _APP_CODE.search(code) is not None


# a table whose first column is the case a row applies to ("If Detected", "When", "Condition")
_CASE_HEADER = re.compile(r"\s*\|?\s*(?:if|when|condition|detected|project type)\b", re.IGNORECASE)


# "`package.json` → `npm test` / `Cargo.toml` → `cargo test`": a map from case to command
_CASE_ARROW = re.compile(r"(?:→|->|=>)\s*`[^`\n]+`")
# "For Solidity:", "For Go projects:" introducing one case's code block (per-platform install
# lines, "On macOS:", are any-of groups of their own: `_alternatives`)
# "For Solidity:", "If the error came from `test-writer`:" beside "If it came from an issue:"
_CASE_INTRO = re.compile(r"for\s+[\w.+#/ -]{1,40}:|(?:if|when)\s+[^:\n]{1,60}:", re.IGNORECASE)


# a bold label naming a language or runtime ("**TypeScript:**", "**Python:**")
_LANGUAGE_LABEL = re.compile(
    r"(?:for\s+)?(?:python|typescript|javascript|node(?:\.js)?|deno|bun|rust|go(?:lang)?|java|"
    r"kotlin|swift|ruby|php|c\+\+|c#|\.net|elixir|solidity|dart|flutter)(?:\s+\w+)?:",
    re.IGNORECASE,
)


# "**Option 1: Conda (Recommended)**", "**Method B**", "**Primary:** / **Secondary:**"
_OPTION_LABEL = re.compile(
    r"(?:option|method|approach|alternative|way)\s*(?:\d+|[a-d])\b|(?:primary|secondary|fallback)\b",
    re.IGNORECASE,
)


def _is_case_intro(op: Any) -> bool:
    """Whether prose `op` introduces one case ("For Solidity:", "**TypeScript:**", "**On
    macOS:**", "**Option 2: Docker**")."""
    from skillir.dialects.skill import ProseOp

    if not isinstance(op, ProseOp):
        return False
    # "**Method 1: Gemini CLI** (recommended)": the label without its parenthetical
    text = re.sub(r"\s*\([^()\n]{1,40}\)\s*\Z", "", op.text.data.strip())
    if _CASE_INTRO.fullmatch(text.strip("*_ ")) is not None:
        return True
    label = text.strip("*_ ")
    bold = text.startswith(("**", "__")) and text.endswith(("**", "__"))
    return bold and (
        _LANGUAGE_LABEL.fullmatch(label) is not None
        or _OPTION_LABEL.match(label) is not None
        or (label.endswith(":") and len(label) <= 40 and platform_named(label) is not None)
    )


# a list item's label, bold or plain: "**Python**: ...", "JavaScript/TypeScript: ..."
_LEAD_LABEL = re.compile(r"\s*(?:\*\*([^*\n]{1,40}?):?\*\*:?|([A-Za-z][\w./+# ]{0,39}):)\s")


def _language_item(op: Any) -> bool:
    """Whether list item `op` is one language's of several ("- **Python**: `pip install x`" /
    "- **JavaScript/TypeScript**: `npm install y`"): the reader's language picks one."""
    from skillir.dialects.skill import BulletOp

    def language(item: Any) -> bool:
        lead = _LEAD_LABEL.match(item.text.data) if isinstance(item, BulletOp) else None
        return lead is not None and all(
            _LANGUAGE_LABEL.fullmatch(part.strip() + ":")
            for part in (lead.group(1) or lead.group(2)).split("/")
        )

    if not language(op) or op.parent is None:
        return False
    return sum(language(o) for o in op.parent.ops) >= 2


def _case_intro_of(op: Any) -> Any:
    """The prose before `op` (before its whole list for a bullet or a step) when it
    introduces a case, else None."""
    from skillir.dialects.skill import BulletOp, StepOp

    prev = op.prev_op
    while isinstance(op, (BulletOp, StepOp)) and isinstance(prev, type(op)):
        prev = prev.prev_op
    return prev if prev is not None and _is_case_intro(prev) else None


def _per_case_block(op: Any) -> bool:
    """Whether `op` (a code block, or an item of a list) follows one of several case intros
    in its section ("For Solidity:" / "For Rust:", "**TypeScript:**" / "**Python:**"): the
    reader runs the one for their project, so none is required."""
    if _case_intro_of(op) is None or op.parent is None:
        return False
    return sum(_is_case_intro(o) for o in op.parent.ops) >= 2


# a host platform or a device that a block or a line of shell is for
_PLATFORM = re.compile(
    r"\b(?:(mac\s?os|os\s?x|macintosh|homebrew)|(windows|win32|powershell|winget|choco(?:latey)?)"
    r"|(linux|ubuntu|debian|fedora|rhel|centos|arch\s+linux|alpine|wsl)|(ios|ipados|iphone|ipad)"
    r"|(android))\b",
    re.IGNORECASE,
)
_PLATFORM_NAMES = ("macos", "windows", "linux", "ios", "android")
# a comment that gives the next command as an example or an option
_EXAMPLE_COMMENT = re.compile(
    r"\b(?:e\.g\.|for\s+example|optional(?:ly)?|if\s+(?:you\s+)?(?:want|prefer|need))",
    re.IGNORECASE,
)
# `if [ -f package.json ]`, `[[ -d .git ]] &&`, `test -f go.mod &&`: a file decides
# a project's manifest: which kind of project this is
_MANIFEST = (
    r"[\"']?(?:\./)?(?:package\.json|cargo\.toml|pyproject\.toml|requirements[\w.-]*\.txt|"
    r"setup\.py|go\.mod|gemfile|pom\.xml|build\.gradle(?:\.kts)?|composer\.json|mix\.exs|"
    r"deno\.json|cmakelists\.txt|makefile|[\w-]+\.lock|pnpm-lock\.yaml|yarn\.lock|"
    r"package-lock\.json|bun\.lockb?|\.venv|venv|node_modules)[\"']?"
)
# `if [ -f package.json ]; then`, `[ -f go.mod ] &&`, `test -f Cargo.toml &&`: the project
# kind decides
_FILE_TEST = re.compile(
    rf"(?:\[\[?|\btest)\s+!?\s*-[fdes]\s+{_MANIFEST}(?:\s*\]\]?)?\s*(?:;\s*then\b|&&|\Z)",
    re.IGNORECASE,
)
# one of the commands of a line written "a / b / c" (`npm test / cargo test / pytest`)
_COMMAND_START = re.compile(r"[A-Za-z][\w.+-]*(?:\s|\Z)")
_IF = re.compile(r"(?:^|[;&|]\s*|\bthen\s+)if\b")
_FI = re.compile(r"\bfi\b")
_SOURCE = re.compile(r"^\s*(?:source|\.)\s+\S", re.MULTILINE)


def platform_named(text: str) -> str | None:
    """The platform or device `text` names first (`macos`, `windows`, `linux`, `ios`,
    `android`), None when it names none."""
    m = _PLATFORM.search(text)
    return None if m is None else _PLATFORM_NAMES[m.lastindex - 1]  # type: ignore[operator]


def _platform_of_block(op: Any) -> str | None:
    """The platform a code block is for: named by its introducing sentence ("Install iOS build
    on simulator:", "On macOS:") or by the title of its section ("### Linux (Ubuntu/Debian)")."""
    from skillir.dialects.skill import SectionOp

    intro = _intro(op)
    named = platform_named(intro) if intro.endswith(":") else None
    if named is not None:
        return named
    parent = op.parent_op()
    return platform_named(parent.title.data) if isinstance(parent, SectionOp) else None


def _line_platforms(code: str, first: int) -> dict[int, str]:
    """Line -> the platform a shell line's own comment names (`launchctl ... # macOS`, a whole
    comment line `# Linux: systemctl ...`)."""
    out = {}
    for i, text in enumerate(code.split("\n")):
        hash_at = text.find("#") if text.lstrip().startswith("#") else text.find(" #")
        if hash_at >= 0:
            named = platform_named(text[hash_at:])
            if named is not None:
                out[first + i] = named
    return out


def _conditional_lines(op: Any, code: str, first: int, found: list[Dependency]) -> list[Dependency]:
    """`found` without what a shell block runs only as an example or an option (the command
    after "# Then install a specific version, e.g.:"), and, in a block that sources a file
    (`source lib/x.sh`), without the commands no table knows that give a value
    (`$(launchd_label)`): functions the sourced file defines."""
    lines = code.split("\n")
    examples = set()
    depth = 0  # inside `if [ -f package.json ]; then ... fi`: `if`s still open
    for i, text in enumerate(lines):
        if text.strip() and not text.lstrip().startswith("#"):
            j = i - 1
            while j >= 0 and lines[j].lstrip().startswith("#"):
                if _EXAMPLE_COMMENT.search(lines[j]):
                    examples.add(first + i)
                j -= 1
        parts = text.split(" / ")
        if len(parts) >= 2 and all(_COMMAND_START.match(p.strip()) for p in parts):
            examples.add(first + i)  # `npm test / cargo test / pytest`: one of them
        opens = depth > 0 or _FILE_TEST.search(text) is not None
        if opens:
            # what runs only where a project file exists: one kind of project's command
            examples.add(first + i)
            depth += len(_IF.findall(text)) - len(_FI.findall(text))
            depth = max(depth, 0)
    examples |= _commented_alternatives(lines, first)
    known = tables().binary_to_package
    sourced = _SOURCE.search(code) is not None
    return [
        d
        for d in found
        if d.line not in examples
        and not (
            sourced
            and d.kind == "binary"
            and d.name not in known
            and re.search(rf"\$\(\s*{re.escape(d.name)}\b", code) is not None
        )
    ]


# a comment heading one way of several: "# or", "# Or from source", "# npm", "# Homebrew
# (macOS/Linux)", "# Ubuntu"
_ROUTE_COMMENT = re.compile(
    r"#\s*(?:or\b|alternatively\b|npm\b|pnpm\b|yarn\b|bun\b|pip\b|pipx\b|uv\b|conda\b|"
    r"homebrew\b|brew\b|docker\b|from\s+source\b|using\s+\w+\s*(?:\([^()]*\)\s*)?$|"
    r"if\s+(?:you(?:'re|\s+are)\s+)?using\b|"
    r"(?:python|javascript|typescript|node(?:\.?js)?|go|golang|rust|java|ruby|php)\s*$)",
    re.IGNORECASE,
)


def _commented_alternatives(lines: list[str], first: int) -> set[int]:
    """Lines of a shell block split by comments that each name one way ("# npm" / "# Homebrew",
    "# macOS" / "# Ubuntu"), or on both sides of a "# or": the reader runs one of them, so
    none is demanded (package-manager installs stay, an any-of group)."""
    segments: list[tuple[str, list[int]]] = []  # (the comment above, command lines)
    comment, current = "", None
    for i, text in enumerate(lines):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            current = None
            if stripped:
                comment = stripped
            continue
        if current is None:
            current = []
            segments.append((comment, current))
            comment = ""
        current.append(first + i)
    out: set[int] = set()
    for k, (above, found) in enumerate(segments):
        if k and re.match(r"#\s*(?:or|alternatively)\b", above, re.IGNORECASE):
            out |= set(found) | set(segments[k - 1][1])
    routes = [
        found
        for above, found in segments
        if above and (_ROUTE_COMMENT.match(above) or platform_named(above) is not None)
    ]
    if len(routes) >= 2:
        out |= {line for found in routes for line in found}
    return out


def _per_platform(
    deps: list[Dependency], blocks: list[tuple[Any, list[Dependency]]], ops: list[Any]
) -> list[Dependency]:
    """Where a skill's shell gives commands for two platforms or devices or more (a macOS and a
    Linux section, an iOS and an Android install, `# macOS` / `# Linux:` lines), the programs
    run only for one of them are alternatives: none is demanded. Install lines of a package
    manager stay (`_alternatives` makes them an any-of group checked by the program)."""
    from skillir.dialects.skill import CodeOp

    bound: dict[tuple[int, int, str], str] = {}
    named: set[str] = set()
    for op, found in blocks:
        platform = _platform_of_block(op)
        assert platform is not None
        named.add(platform)
        bound.update({(d.line, d.col, d.name): platform for d in found})
    for op in ops:
        if isinstance(op, CodeOp) and canonical(op.lang.data) == "shell":
            span = op.properties.get("span")
            line = span.data[0] if span is not None else 1  # type: ignore[union-attr]
            first = line if op.fence is not None and op.fence.data == "" else line + 1
            per_line = _line_platforms(op.text.data, first)
            named |= set(per_line.values())
            bound.update(
                {(d.line, d.col, d.name): per_line[d.line] for d in deps if d.line in per_line}
            )
    if len(named) < 2:
        return deps
    return [
        d
        for d in deps
        if (d.line, d.col, d.name) not in bound or (d.kind == "system" and d.manager)
    ]


def _row_programs(found: list[Dependency]) -> bool:
    """Whether a table's rows run different programs ("| npm | `npm cache clean` |", "|
    Docker | `docker system prune` |"): one row per case, a reference, not one procedure."""
    rows: dict[int, set[str]] = {}
    for d in found:
        if d.kind == "binary":
            rows.setdefault(d.line, set()).add(d.name)
    return len(rows) >= 2 and len(set().union(*rows.values())) >= 2


def _per_case(table: str) -> bool:
    """Whether a Markdown table's rows are cases ("| If Detected | Add These Commands |"): the
    commands of one row apply only to projects of that case, so none is required."""
    header = table.split("\n", 1)[0]
    if _CASE_HEADER.match(header) is not None:
        return True
    # "| Local Server | Remote Server |": one column per place the service may run
    modes = {service_mode(cell) for cell in header.strip().strip("|").split("|")}
    return len(modes - {None}) >= 2


def _section_title(op: Any) -> str:
    """The title of the section `op` is in ("" at the top level)."""
    from skillir.dialects.skill import SectionOp

    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, SectionOp):
            return parent.title.data
        parent = parent.parent_op()
    return ""


def _in_trigger_section(op: Any) -> bool:
    """Whether `op` is under a heading that says when to use the skill ("When to Use", "When
    NOT to Use", "Triggers"): its text describes the user's situation, not commands to run."""
    return _TRIGGER_TITLE.match(_section_title(op)) is not None


# a section about something the skill can do without
_OPTIONAL_TITLE = re.compile(
    r"\((?:if\s+(?:available|installed|present)|optional(?:ly)?)\)|\boptional\b"
    r"|\btroubleshoot|\bcommon\s+(?:issues|problems|errors|pitfalls|mistakes)\b|\bfaq\b"
    r"|\bknown\s+issues\b|\bgotchas\b|\banti-?patterns\b",
    re.IGNORECASE,
)
# "DO: ...", "DO NOT: ...", "Good", "Bad", "✅ Correct": what to write, shown, not run
_WRITING_EXAMPLE = re.compile(
    r"\s*(?:✅|❌|do\s*:|do\s+not\b|don'?t\b|good\b|bad\b|correct\b|incorrect\b|wrong\b"
    r"|right\s*:|anti-?pattern)",
    re.IGNORECASE,
)
# "**Example (multi-layer system):**", "For example:" before a code block
# "**Example (multi-layer system):**", "**Python Example:**"
_EXAMPLE_INTRO = re.compile(
    r"[*_\s]*(?:for\s+)?(?:(?:python|sql|javascript|typescript|node(?:\.js)?|go|rust|java|ruby"
    r"|php|c#|kotlin|swift)\s+)?example\b[^\n]{0,60}:[*_\s]*\Z",
    re.IGNORECASE,
)


# a section giving one way to get a tool: a platform, a container, a package manager, source
ROUTE_TITLE = re.compile(
    r".*\b(?:docker|podman|from\s+source|source\s+build|build\s+from|homebrew|brew|"
    r"pipx?|npm|conda|nix|pre-?built|binar(?:y|ies)|releases?|package\s+managers?|manual(?:ly)?)\b",
    re.IGNORECASE,
)


_SETUP_TITLE = re.compile(
    r"\binstall|\bset\s*-?\s*up\b|\bgetting\s+started\b|\bprerequisites?\b|\brequirements\b"
    r"|\bdownload",
    re.IGNORECASE,
)


def _install_route(op: Any) -> bool:
    """Whether code block `op` is in one of several sibling sections of an installation
    section, each giving a way to get a tool ("### Ubuntu/Debian", "### Docker (from Docker
    Hub)", "### Docker (from source)" under "## Installation"):
    the reader takes one, so its programs are not all required; install lines of a package
    manager stay (an any-of group, `_alternatives`)."""
    from skillir.dialects.skill import SectionOp

    def route(section: Any) -> bool:
        title = section.title.data
        return platform_named(title) is not None or ROUTE_TITLE.match(title) is not None

    section = op.parent_op()
    if not isinstance(section, SectionOp) or not route(section) or section.parent is None:
        return False
    above = section.parent_op()
    if not isinstance(above, SectionOp) or not _SETUP_TITLE.search(above.title.data):
        return False
    return sum(isinstance(o, SectionOp) and route(o) for o in section.parent.ops) >= 2


def _intro(op: Any) -> str:
    """The last line of the prose just before block `op` (its introducing sentence), "" when
    the block follows something else."""
    from skillir.dialects.skill import BulletOp, ProseOp, StepOp

    prev = op.prev_op
    if prev is None and isinstance(op.parent_op(), (StepOp, BulletOp)):
        prev = op.parent_op()  # the first block of a step: the step's own sentence
    if not isinstance(prev, (ProseOp, StepOp, BulletOp)):
        return ""
    return prev.text.data.rstrip().rsplit("\n", 1)[-1]


def _aside_section(op: Any) -> bool:
    """Whether `op` is in a section the skill can do without or only shows: "### pdftk (if
    available)", "## Troubleshooting", "#### DO NOT: ..." (a writing guide's example); or is a
    quote that is a tip or titled so ("> [!TIP]", "> **SSL Certificate Troubleshooting:**")."""
    from skillir.dialects.skill import QuoteOp

    if isinstance(op, QuoteOp):
        first = op.text.data.lstrip().split("\n", 1)[0]
        if first.startswith("[!TIP]") or _OPTIONAL_TITLE.search(first):
            return True
    title = _section_title(op)
    return _OPTIONAL_TITLE.search(title) is not None or _WRITING_EXAMPLE.match(title) is not None


# a line of printed text in a shell fence: "> Authenticated via OAuth (tvly login)" is no
# redirection, and the block holds what a command printed, not commands
_PRINTED_LINE = re.compile(r"^\s*>\s+[A-Z][a-z]+\s+[a-z]+\b[^|;&<>]*$", re.MULTILINE)


def _printed_output(code: str) -> bool:
    """Whether a shell block shows a command's output (`tvly --status` prints a version line
    and "> Authenticated via OAuth"): a line of prose after a bare `>`, and no `$ ` prompt."""
    return _PRINTED_LINE.search(code) is not None and not re.search(r"^\s*\$ ", code, re.M)


def _example_session(op: Any, code: str) -> bool:
    """Whether code block `op` is introduced as an example ("**Example (multi-layer
    system):**") and runs nothing of the skill's own (no `scripts/` path): a session from
    somewhere else, shown to explain a method, whose programs and variables are that
    session's."""
    return _EXAMPLE_INTRO.match(_intro(op)) is not None and not re.search(
        r"(?:^|[\s/\"'])(?:scripts|references|assets)/", code
    )


# a sentence offering what follows as an option
_OPTIONAL_INTRO = re.compile(
    r"\b(?:optional(?:ly)?|fallback|alternatively|otherwise|or\s+(?:use|run|try)"
    r"|if\s+you\s+(?:want|prefer|like)"
    r"|for\s+(?:maximum|max|better|extra|"
    r"more)\s+(?:performance|speed|throughput))\b",
    re.IGNORECASE,
)


def _optional_intro(op: Any) -> bool:
    """Whether the sentence introducing code block `op` offers it as an option ("For maximum
    performance, disable ...:", "Optionally, ...:", "Otherwise, use the dbt CLI directly:",
    "**Primary: Gemini CLI** (if available)")."""
    last = _intro(op)
    if _IF_AVAILABLE.search(last):  # "**Primary: Gemini CLI** (if available)"
        return True
    return last.endswith(":") and _OPTIONAL_INTRO.search(last) is not None


def _example_versions(op: Any, found: list[Dependency]) -> list[Dependency]:
    """`found` without the packages the sentence before the block gives as an example
    ("install the matching `lld` version (e.g., `lld-17`)"): the reader picks theirs."""
    from skillir.dialects.skill import ProseOp

    prev = op.prev_op
    if not isinstance(prev, ProseOp) or "e.g" not in prev.text.data:
        return found
    named = set(re.findall(r"\be\.g\.,?\s*`([^`\n]+)`", prev.text.data))
    return [d for d in found if not (d.kind == "system" and d.name in named)]


_EXAMPLE_TITLE = re.compile(r"\s*(?:worked\s+)?examples?\b", re.IGNORECASE)


def _in_example_section(op: Any) -> bool:
    """Whether prose `op` is under an "Example" heading: the commands it names in passing ("Here
    `npm test` came from the repo") belong to the example, not to the skill."""
    return _EXAMPLE_TITLE.match(_section_title(op)) is not None


def _program_of(package: str, manager: str) -> tuple[str, bool]:
    """The program a package of `manager` provides, and whether the binary -> package table
    says so (a binary named like the package first); else the package's own name without a
    tap, a version suffix or a winget publisher (`Gyan.FFmpeg` -> `ffmpeg`), unconfirmed."""
    base = package.rsplit("/", 1)[-1].split("@", 1)[0]
    if manager == "winget":
        base = base.rsplit(".", 1)[-1]
    column = "brew" if manager in ("brew", "port") else "debian"
    table = tables().binary_to_package
    if table.get(base, {}).get(column) == base:
        return base, True
    found = next((b for b, row in table.items() if row.get(column) == base), None)
    return (found, True) if found else (base, False)


# `which browse || npm install -g browse`: the program the guarded install provides
_GUARD = re.compile(r"\b(?:which|command\s+-v|type)\s+([\w.+-]+)[^|&;\n]*\|\|")


def _npm_programs(deps: list[Dependency]) -> list[Dependency]:
    """A globally installed npm package `provides` the program of the skill that it names: the
    program its install line is guarded by (`which X || npm install -g P`), else the package's
    own name, without a `-cli` suffix, or `scope-name` for a scoped package."""
    programs = {d.name for d in deps if d.kind == "binary"}
    out = []
    for d in deps:
        if d.kind == "npm" and d.globally and d.provides is None:
            guard = _GUARD.search(d.evidence)
            names = [guard.group(1)] if guard else []
            base = d.name.split("@", 2)[1] if d.name.startswith("@") else d.name
            names += [d.name, d.name.removesuffix("-cli"), base.replace("/", "-")]
            found = next((n for n in names if n in programs), None)
            if found is not None and dep_problem("binary", found, None) is None:
                d = replace(d, provides=found)
        out.append(d)
    return out


def _alternatives(deps: list[Dependency]) -> list[Dependency]:
    """Mark per-platform install lines as one any-of group: a system package installed with
    a package manager gets `provides`, the program it provides, when it is not a lone native
    (Debian) line and the program is known (the binary -> package table says so, or several
    platforms' managers name it). The setup script checks that program and installs with this
    platform's entry only; a foreign line with no known program is never demanded."""
    managed = [d for d in deps if d.kind == "system" and d.manager]
    platforms: dict[str, set[str]] = {}
    for d in managed:
        assert d.manager is not None
        program = _program_of(d.name, d.manager)[0]
        platforms.setdefault(program, set()).add(MANAGERS[d.manager])
    out = []
    for d in deps:
        if d.kind == "system" and d.manager:
            program, known = _program_of(d.name, d.manager)
            group = platforms[program]
            if (
                group != {"debian"}
                and (known or len(group) > 1)
                and dep_problem("binary", program, None) is None
            ):
                d = replace(d, provides=program)
        out.append(d)
    return out


# names that hold a credential or a connection are read from the environment by convention
_CREDENTIAL = re.compile(
    r"(?:TOKEN|API_KEY|_KEY|SECRET|PASSWORD|PASSWD|_PAT|CREDENTIALS|_URL|_URI|_DSN|WEBHOOK)\Z"
)
_ENV_WORD = (
    r"(?:\benv(?:ironment)?(?:\s+var(?:iable)?s?)?\b|\.env\b|\bos\.environ|\bgetenv"
    r"|\bprocess\.env)"
)


def _reads_env(dep: Dependency, skill_text: str) -> bool:
    """Whether a `$NAME` that SKILL.md's shell or prose references is read from the
    environment, not a template slot the agent fills in (`${SKILL_DIR}`, `$NEW_VERSION`): a
    credential or connection name (`GITHUB_TOKEN`, `DATABASE_URL`), a required expansion
    (`${NAME:?...}`), `export NAME`, or a sentence that names it with the environment ("set
    NAME in your environment", "NAME environment variable", "add NAME to `.env`")."""
    name = re.escape(dep.name)
    if re.search(rf"\$\{{{name}:?\?", skill_text):
        return True
    evidence = re.compile(
        rf"\bexport\s+[`$]*{name}\b|{_ENV_WORD}[^.\n]{{0,60}}\b{name}\b"
        rf"|\b{name}\b[^.\n>]{{0,60}}{_ENV_WORD}",  # not `echo "K=${NAME}" >> .env`
        re.IGNORECASE,
    )
    said = any(
        not _WRITES_ENV_FILE.search(
            skill_text[skill_text.rfind("\n", 0, m.start()) + 1 : skill_text.find("\n", m.end())]
        )
        for m in evidence.finditer(skill_text)
    )
    # "Determine the GitHub URL for the repository" (then `"${GITHUB_URL}"`): the agent works
    # the value out, whatever its name looks like
    words = r"[\s_-]+".join(re.escape(w) for w in dep.name.lower().split("_") if w)
    worked_out = re.search(rf"{_WORK_OUT}[^.\n]{{0,30}}\b{words}\b", skill_text, re.IGNORECASE)
    # "Read `downloaded_files[0].url` from the tool result, this is `CHARACTER_URL`", "Pass
    # `CHARACTER_URL` from Recipe 1": an earlier step's product
    produced = re.search(
        rf"\b(?:this|that|it)\s+is\s+`\$?{name}`|\b(?:save|store|keep|record)\b[^.\n]{{0,40}}"
        rf"\bas\s+`\$?{name}`|`\$?{name}`\s+from\s+(?:recipe|step|phase|stage)\s+\d",
        skill_text,
        re.IGNORECASE,
    )
    return said or (
        _CREDENTIAL.search(dep.name) is not None and worked_out is None and produced is None
    )


# what the agent does to a value it fills in itself
_WORK_OUT = (
    r"\b(?:determine|find|get|compute|work\s+out|look\s+up|identify|decide|choose|pick"
    r"|ask\s+(?:the\s+user\s+)?for|infer)\b"
)


# `echo "K=${NAME}" >> .env`, `sed -i "s/^K=.*/K=${NAME}/" .env`: the skill writes NAME's value
_WRITES_ENV_FILE = re.compile(r">>?\s*\.env\b|\bsed\s+-i\b[^\n]*\.env\b")


def _valid(deps: list[Dependency], where: str, problems: list[Problem]) -> list[Dependency]:
    """The dependencies whose name and version match their grammar (`skillir.analysis.env.values`);
    each
    other one is dropped with a problem at its position (`where` prefixes bundled files)."""
    kept = []
    for d in deps:
        problem = dep_problem(d.kind, d.name, d.version)
        if problem is None:
            kept.append(d)
        else:
            problems.append((d.line, d.col, f"{where}{d.kind} dependency dropped: {problem}"))
    return kept


def _folders(skill_dir: Path) -> set[str]:
    """Names of the skill folder's own top-level folders that could be Python packages."""
    try:
        with os.scandir(skill_dir) as listing:
            return {
                e.name for e in listing if e.name.isidentifier() and e.is_dir(follow_symlinks=False)
            }
    except OSError:
        return set()


def _marker_width(op: Any) -> int:
    """Columns from a list item's marker to its text (`1. `, `- `); 0 for other blocks."""
    from skillir.dialects.skill import BulletOp, StepOp

    if isinstance(op, StepOp):
        return len(f"{op.number.data}{op.field('delim') or '.'} ")
    if isinstance(op, BulletOp):
        return 2
    return 0


# "Create `auth.py`", "Write app/auth.py with ...", "add a `settings.py` file": a module the
# agent writes in the user's project
_WRITTEN_MODULE = re.compile(
    r"\b(?:create|write|add|make|update|edit)\b[^.\n]{0,40}?`?(?:[\w./-]*/)?([A-Za-z_]\w*)\.py\b",
    re.IGNORECASE,
)


# `pip install tavily-python`, `uv pip install -U "chdb[x]"`: what a skill installs by name
_PIP_INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|uv)\s+(?:install|add)\s+([^\n;&|`]+)")


def _pip_installed(text: str) -> set[str]:
    """The distribution names a skill's `pip install` / `uv add` lines name, anywhere."""
    names = set()
    for args in _PIP_INSTALL.findall(text):
        for word in args.split():
            m = re.match(r"[\"']?([A-Za-z0-9][\w.-]*)", word)
            if m and not word.startswith("-"):
                names.add(normalize_dist(m.group(1)))
    return names


def _imports_installed_as(deps: list[Dependency], installed: set[str]) -> list[Dependency]:
    """An import the name table does not know (`from tavily import ...`, read as PyPI
    `tavily`) comes from the package the skill installs under a longer name
    (`pip install tavily-python`): `X-python`, `python-X`, `py-X`, `X-sdk`, `X-client`; an
    import that an installed package ships (`python_dist_brings`) is no package of its own."""
    brought = {m for name in installed for m in tables().dist_brings.get(name, ())}
    out = []
    for d in deps:
        if d.kind == "pip" and not _is_explicit(d) and normalize_dist(d.name) not in installed:
            base = normalize_dist(d.name)
            if base in brought:
                continue  # `import pyspark` with `pip install databricks-connect`: it ships it
            names = {
                f"{base}-python",
                f"python-{base}",
                f"py-{base}",
                f"{base}-sdk",
                f"{base}-client",
            }
            match = sorted(names & installed)
            if match:
                d = replace(d, name=match[0])
        out.append(d)
    return out


# a bundled script that installs the skill's needs: `setup.sh`, `install-deps.sh`, `bootstrap.sh`
_INSTALLER_SCRIPT = re.compile(
    r"(?:setup|install|bootstrap)(?:[-_](?:deps|dependencies|env|environment|tools|requirements))?",
    re.IGNORECASE,
)


_SYSTEM_INSTALL = re.compile(
    r"\b(?:apt-get|apt|brew|dnf|yum|pacman|apk|zypper|winget|choco|port)\s+(?:-\S+\s+)*"
    r"(?:install|add|-S)\b"
)


def _sources_outside(rel: str, text: str, texts: dict[str, str]) -> bool:
    """Whether bundled script `rel` sources a file the skill does not bundle: one that climbs
    out of the skill folder (`../../_lib/common.sh` from `scripts/`), an absolute path, or a
    bundled-looking path no bundled file has."""
    here = PurePosixPath(rel).parent
    for target in SOURCED.findall(text):
        path = re.sub(r"^\$\{?(?:SCRIPT_DIR|DIR|HERE|SCRIPTDIR|BASEDIR)\}?/?", "", target)
        if path.startswith("/") or path.startswith("$"):
            return True
        parts: list[str] = list(here.parts)
        for part in PurePosixPath(path).parts:
            if part == "..":
                if not parts:
                    return True  # out of the skill folder
                parts.pop()
            elif part != ".":
                parts.append(part)
        if "/".join(parts) not in texts:
            return True
    return False


# what a build variant of a distribution adds to its name (`opencv-python-headless`,
# `psycopg2-binary`, `faiss-cpu`); `flask-session` is another package, not a variant of flask
_VARIANT_SUFFIX = re.compile(
    r"(?:headless|binary|bin|contrib|cpu|gpu|cu\d+|lite|slim|full|nightly)"
)


def _provided(deps: list[Dependency]) -> list[Dependency]:
    """Drop an import-derived distribution when an explicit one is a build variant of it
    (`cv2` -> opencv-python is provided by a listed opencv-python-headless)."""
    explicit = {d.name for d in deps if d.kind == "pip" and _is_explicit(d)}
    return [
        d
        for d in deps
        if d.kind != "pip"
        or _is_explicit(d)
        or not any(
            e.startswith(d.name + "-") and _VARIANT_SUFFIX.fullmatch(e[len(d.name) + 1 :])
            for e in explicit
        )
    ]
