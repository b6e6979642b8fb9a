"""Read and write sets of code: what a shell command line or a Python snippet touches.

Resources are `KIND:NAME` strings: `file:out/a.csv`, `dir:out`, `glob:*.png`, `value:NAME`,
`effect:git` (state outside the work directory). A program skillir knows nothing about reads
and writes the whole work directory (`dir:.`), so the graph keeps its order; rules live in
`skillir/data/dataflow_rules.toml`.

    >>> shell_effects("jq .name a.json > b.txt")
    (['file:a.json'], ['file:b.txt'])
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from skillir.data import load
from skillir.frontend import shell

RULES_FILE = "dataflow_rules.toml"
EVERYTHING = ("dir:.", "value:*", "effect:*")


@dataclass(frozen=True)
class Rules:
    verbs: dict[str, str]
    guideline: frozenset[str]
    order: tuple[str, ...]
    anaphora: tuple[str, ...]
    conditional: tuple[str, ...]
    loop: tuple[str, ...]
    each: tuple[str, ...]
    serial: re.Pattern[str]
    per_item_verbs: frozenset[str]
    pure: frozenset[str]
    last_arg_written: frozenset[str]
    all_args_written: frozenset[str]
    output_flags: frozenset[str]
    effects: dict[str, str]
    read_subcommands: frozenset[str]
    checkers: dict[str, frozenset[str]]


@cache
def rules() -> Rules:
    """The dataflow rules, loaded once."""
    data = load(RULES_FILE)
    guideline = data["verbs"]["guideline"]
    verbs = {v: kind for kind, words in data["verbs"].items() if kind != "guideline" for v in words}
    words, cmds = data["words"], data["commands"]
    return Rules(
        verbs=verbs,
        guideline=frozenset(guideline),
        order=tuple(sorted(words["order"], key=len, reverse=True)),  # longest first
        anaphora=tuple(words["anaphora"]),
        conditional=tuple(words["conditional"]),
        loop=tuple(words["loop"]),
        each=tuple(words["each"]),
        serial=re.compile(
            "|".join(
                [f"(?i:{p})" for p in words["serial"]]
                + [rf"\b{re.escape(w)}\b" for w in words["serial_exact"]]
            )
        ),
        per_item_verbs=frozenset(words["per_item_verbs"]),
        pure=frozenset(cmds["pure"]),
        last_arg_written=frozenset(cmds["last_arg_written"]),
        all_args_written=frozenset(cmds["all_args_written"]),
        output_flags=frozenset(cmds["output_flags"]),
        effects=dict(cmds["effects"]),
        read_subcommands=frozenset(cmds["read_subcommands"]),
        checkers={k: frozenset(v) for k, v in cmds["checkers"].items()},
    )


_PATHISH = re.compile(r"(?:[\w.*?\[\]{}-]+/)*[\w*?\[\]{}-][\w.*?\[\]{}-]*\.[A-Za-z0-9]{1,8}\Z")
_DIRISH = re.compile(r"\.?\.?/?(?:[\w.-]+/)+\Z")
_GLOB = re.compile(r"[*?\[]")
_VERSION = re.compile(r"\d+(\.\d+)+")


def path_resource(word: str) -> str | None:
    """`file:`/`dir:`/`glob:` for a word that names a path, None for anything else."""
    word = word.strip().strip("'\"`")
    if not word or word.startswith(("-", "$", "<", "http:", "https:", "~")) or "://" in word:
        return None
    if word.startswith("./"):
        word = word[2:] or "."
    if _DIRISH.match(word) or word in (".", "./"):
        return "dir:" + (word.rstrip("/") or ".")
    if not _PATHISH.match(word) or _VERSION.fullmatch(word):
        return None
    return ("glob:" if _GLOB.search(_NAME_IN_BRACKETS.sub("", word)) else "file:") + word


# brackets around a name, not a character class: `[Content_Types].xml` (OOXML),
# `app/[userId]/page.tsx` (a route parameter)
_NAME_IN_BRACKETS = re.compile(r"\[(?=\w*(?:_|[a-z][A-Z]|[A-Z][a-z]))\w{4,}\]")


_REDIRECT = re.compile(r"\d?(>>?|&>|>\|)")
_PYTHON = re.compile(r"python3?(\.\d+)?")
_PATTERN_FIRST = {"jq", "yq", "grep", "egrep", "fgrep", "rg", "ag", "awk"}
_BUILTINS = {
    "cd", "echo", "export", "set", "source", ".", "printf", "pwd", "test", "[", "true", "false",
    "type", "command", "which", "unset", "alias", "read", "exit", "return", "sleep",
}  # fmt: skip
_GIT_TREE_WRITERS = {
    "checkout", "switch", "reset", "merge", "rebase", "pull", "stash", "restore", "clean",
    "cherry-pick", "revert", "apply", "am", "mv", "rm", "init", "clone",
}  # fmt: skip


# Package managers' sub-commands that rewrite the project's manifest, lock file and installed
# tree (besides the environment): `uv add x` edits pyproject.toml and uv.lock, so a step that
# edits pyproject.toml at the same time conflicts with it. Sources: the tools' reference pages
# (docs.astral.sh/uv/reference/cli, python-poetry.org/docs/cli, pdm-project.org/en/latest/
# reference/cli, pipenv.pypa.io, docs.npmjs.com/cli, pnpm.io/cli, yarnpkg.com/cli,
# bun.sh/docs/cli, doc.rust-lang.org/cargo/commands, go.dev/ref/mod, bundler.io/man,
# getcomposer.org/doc/03-cli.md, dart.dev/tools/pub/cmd, learn.microsoft.com dotnet add package).
_PY_MANIFEST = ("file:pyproject.toml",)
_NODE_MANIFEST = ("file:package.json", "dir:node_modules")
_NODE_WRITERS = frozenset(
    ("install", "i", "add", "uninstall", "un", "remove", "rm", "r", "update", "up", "upgrade",
     "ci", "init", "version", "dedupe", "prune", "link", "unlink")
)  # fmt: skip
_MANIFEST_WRITERS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "uv": (
        frozenset(("add", "remove", "sync", "lock", "init", "version")),
        (*_PY_MANIFEST, "file:uv.lock", "dir:.venv"),
    ),
    "poetry": (
        frozenset(("add", "remove", "lock", "install", "update", "init", "version", "sync")),
        (*_PY_MANIFEST, "file:poetry.lock"),
    ),
    "pdm": (
        frozenset(("add", "remove", "lock", "install", "update", "init", "sync")),
        (*_PY_MANIFEST, "file:pdm.lock"),
    ),
    "pipenv": (
        frozenset(("install", "uninstall", "lock", "update", "sync", "upgrade")),
        ("file:Pipfile", "file:Pipfile.lock"),
    ),
    "npm": (_NODE_WRITERS, (*_NODE_MANIFEST, "file:package-lock.json")),
    "pnpm": (_NODE_WRITERS, (*_NODE_MANIFEST, "file:pnpm-lock.yaml")),
    "yarn": (_NODE_WRITERS | {""}, (*_NODE_MANIFEST, "file:yarn.lock")),
    "bun": (_NODE_WRITERS, (*_NODE_MANIFEST, "file:bun.lock", "file:bun.lockb")),
    "cargo": (
        frozenset(("add", "remove", "rm", "update", "generate-lockfile", "init")),
        ("file:Cargo.toml", "file:Cargo.lock"),
    ),
    "go": (frozenset(("get", "mod")), ("file:go.mod", "file:go.sum")),
    "bundle": (
        frozenset(("add", "remove", "install", "update", "lock", "init", "")),
        ("file:Gemfile", "file:Gemfile.lock"),
    ),
    "composer": (
        frozenset(("require", "remove", "install", "update", "init")),
        ("file:composer.json", "file:composer.lock"),
    ),
    "flutter": (frozenset(("pub",)), ("file:pubspec.yaml", "file:pubspec.lock")),
    "dart": (frozenset(("pub",)), ("file:pubspec.yaml", "file:pubspec.lock")),
    "dotnet": (frozenset(("add", "remove")), ("glob:*.csproj", "glob:*.fsproj")),
}
# flags that install outside the project (no manifest), or into a project elsewhere
_GLOBAL_FLAGS = frozenset(("-g", "--global", "--location=global"))
_ELSEWHERE_FLAGS = frozenset(
    ("--directory", "--project", "-C", "--prefix", "--cwd", "--manifest-path", "--dir")
)


def manifest_writes(prog: str, rest: Sequence[str]) -> tuple[str, ...]:
    """What a package manager's command line rewrites in the project besides the environment:
    its manifest, lock file and installed tree (`uv add x` → pyproject.toml, uv.lock, .venv);
    the whole work directory when the project is elsewhere (`--directory`, `--prefix`); ()
    for other commands and global installs (`npm install -g`, `yarn global add`)."""
    entry = _MANIFEST_WRITERS.get(prog)
    if entry is None:
        return ()
    subs, files = entry
    words = [a for i, a in enumerate(rest) if i == 0 or rest[i - 1] not in _ELSEWHERE_FLAGS]
    sub = next((a for a in words if not a.startswith("-")), "")
    if sub not in subs and not (sub == "audit" and "fix" in rest):
        return ()
    if any(a in _GLOBAL_FLAGS for a in rest):
        return ()
    if any(a.split("=", 1)[0] in _ELSEWHERE_FLAGS for a in rest):
        return ("dir:.",)
    return files


_FIND_TESTS = frozenset(("-name", "-iname", "-path", "-ipath", "-wholename", "-regex", "-iregex"))


def _command_effects(words: Sequence[str], skill_dir: Path | None) -> tuple[set[str], set[str]]:
    r = rules()
    reads: set[str] = set()
    writes: set[str] = set()
    args: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if _REDIRECT.fullmatch(w) or w in (">", ">>"):
            if i + 1 < len(words) and (res := path_resource(words[i + 1])):
                writes.add(res)
            i += 2
            continue
        if w == "<":
            if i + 1 < len(words) and (res := path_resource(words[i + 1])):
                reads.add(res)
            i += 2
            continue
        if w.startswith("2>") or w.startswith(">&") or w == "2":
            i += 1
            continue
        args.append(w)
        i += 1
    args = args[shell.program(args, shell.RUN_REST_AND_XARGS) :]
    if not args:
        return reads, writes
    prog = args[0].rsplit("/", 1)[-1]
    if prog.startswith("-"):  # `\( -name "*.pdf" -o ... \)` split off a find: no command
        return reads, writes
    rest = args[1:]
    runner = shell.RUNNERS.get(prog)
    if runner is not None and rest[: len(runner)] == list(runner) and len(rest) > len(runner):
        # `uv run pytest`, `npx eslint .`: what matters is the program run
        inner = [a for a in rest[len(runner) :]]
        while inner and inner[0].startswith("-"):
            inner.pop(0)
        if inner:
            r2, w2 = _command_effects(inner, skill_dir)
            return reads | r2, writes | w2
    if prog not in _BUILTINS:
        reads.add("effect:environment")  # a program runs as installed by earlier steps
    sub = next((a for a in rest if not a.startswith("-")), "")
    checks = r.checkers.get(prog)
    if checks is not None and ("" in checks or sub in checks):
        # a test runner, linter or type checker: reads the work tree, changes nothing
        reads.add("dir:.")
        return reads, writes
    outputs = {rest[j + 1] for j, a in enumerate(rest[:-1]) if a in r.output_flags} | {
        a.split("=", 1)[1] for a in rest if a.split("=", 1)[0] in r.output_flags and "=" in a
    }
    operands = rest
    if prog == "find":  # `-name "*.jpg"`: a pattern find matches in the tree it walks
        operands = [a for j, a in enumerate(rest) if j == 0 or rest[j - 1] not in _FIND_TESTS]
    if prog in _PATTERN_FIRST:  # `jq .`, `grep -n TODO src/`: the first word is a pattern
        bare = [j for j, a in enumerate(rest) if not a.startswith("-")]
        operands = [a for j, a in enumerate(rest) if not bare or j != bare[0]]
    paths = [(a, res) for a in operands if (res := path_resource(a)) is not None]
    for a in outputs:
        if res := path_resource(a):
            writes.add(res)
    inputs = [(a, res) for a, res in paths if a not in outputs]
    manifest = manifest_writes(prog, rest)
    reads.update(manifest)
    writes.update(manifest)
    if prog in r.effects:
        effect = "effect:" + r.effects[prog]
        (reads if sub in r.read_subcommands else writes).add(effect)
        reads.update(res for _, res in inputs)
        if sub in ("run", "exec", "x", "dlx"):  # `npm run X`: a script we cannot see
            reads.add("dir:.")
            writes.add("dir:.")
        if prog == "git":
            # the work tree: read by every git command, rewritten by the ones that move HEAD
            (writes if sub in _GIT_TREE_WRITERS else reads).add("dir:.")
        return reads, writes
    if prog in ("sed", "perl"):
        files = [a for a in rest if not a.startswith("-")]
        if not any(a in ("-e", "--expression") for a in rest):
            files = files[1:]  # the first bare word is the script
        targets = {res for a in files if (res := path_resource(a))}
        (writes if any(a.startswith("-i") for a in rest) else reads).update(targets)
        return reads, writes
    if prog in r.pure:
        reads.update(res for _, res in inputs)
        return reads, writes
    if prog in r.all_args_written:
        writes.update(res for _, res in inputs)
        return reads, writes
    if prog in r.last_arg_written and inputs and not outputs:
        *ins, last = inputs
        reads.update(res for _, res in ins)
        writes.add(last[1])
        if prog == "mv":
            writes.update(res for _, res in ins)
        return reads, writes
    reads.update(res for _, res in inputs)
    if outputs:
        return reads, writes
    if _PYTHON.fullmatch(prog) and rest and skill_dir is not None:
        script = _bundled_effects(skill_dir, rest[0])
        if script is not None and "dir:." not in script[1]:
            reads.update(script[0])
            writes.update(script[1])
            return reads, writes
    # an unknown program: it may read or write anything in the work directory
    reads.add("dir:.")
    writes.add("dir:.")
    return reads, writes


def _bundled_effects(skill_dir: Path, script: str) -> tuple[list[str], list[str]] | None:
    """Effects of a Python script bundled with the skill, read from its source."""
    path = (skill_dir / script).resolve()
    if not path.is_relative_to(skill_dir.resolve()) or not path.is_file():
        return None
    try:
        return python_effects(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def shell_effects(code: str, skill_dir: Path | None = None) -> tuple[list[str], list[str]]:
    """Sorted read and write sets of a shell snippet (bundled Python scripts it runs are read
    from `skill_dir`)."""
    reads: set[str] = set()
    writes: set[str] = set()
    for command in shell.read(code, "lines").commands:
        r, w = _command_effects(command.argv, skill_dir)
        reads |= r
        writes |= w
    return sorted(reads), sorted(writes)


_PY_READERS = {
    "read_csv", "read_excel", "read_json", "read_parquet", "read_table", "read_text",
    "read_bytes", "load", "load_workbook", "PdfReader", "Document", "Presentation", "imread",
    "loadtxt", "genfromtxt", "read_file",
}  # fmt: skip
_PY_WRITERS = {
    "to_csv", "to_excel", "to_json", "to_parquet", "to_html", "to_markdown", "write_text",
    "write_bytes", "savefig", "save", "imwrite", "savetxt", "dump", "write_file", "mkdir",
    "unlink", "rmtree", "remove", "rename", "copy", "copyfile", "copytree", "move", "touch",
}  # fmt: skip


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and _name(node.func) in ("Path", "pathlib.Path") and node.args:
        return _literal(node.args[0])
    return None


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def python_effects(code: str) -> tuple[list[str], list[str]] | None:
    """Sorted read and write sets of Python code, None when it does not parse. A write the
    code makes to a path it computes writes the whole work directory."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    reads: set[str] = set()
    writes: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = _name(node.func)
        first = node.args[0] if node.args else None
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if fn == "open":
            mode = _literal(node.args[1]) if len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "mode":
                    mode = _literal(kw.value)
            target = writes if mode and set(mode) & set("wax+") else reads
            _add(target, _literal(first), writes)
        elif fn in _PY_WRITERS:
            path = _literal(first)
            if (
                path is None
                and receiver is not None
                and fn in ("write_text", "write_bytes", "mkdir", "unlink", "touch")
            ):
                path = _literal(receiver)
            if fn in ("copy", "copyfile", "copytree", "move", "rename") and len(node.args) > 1:
                _add(reads, path, writes)
                path = _literal(node.args[1])
            if fn == "dump" and len(node.args) < 2:
                continue  # json.dumps-like use without a file
            if fn in ("dump", "save") and path is None and len(node.args) > 1:
                continue  # pickle.dump(obj, fh): the file was opened above
            _add(writes, path, writes)
        elif fn in _PY_READERS:
            path = _literal(first)
            if path is None and receiver is not None and fn in ("read_text", "read_bytes"):
                path = _literal(receiver)
            _add(reads, path, None)
        elif fn in ("run", "call", "check_call", "check_output", "Popen", "system"):
            argv = _argv(first)
            if argv is not None:
                r, w = _command_effects(argv, None)
                reads |= r
                writes |= w
    return sorted(reads), sorted(writes)


def _add(target: set[str], path: str | None, unknown_into: set[str] | None) -> None:
    if path is not None and (res := path_resource(path)):
        target.add(res)
    elif path is None and unknown_into is not None:
        unknown_into.add("dir:.")


def _argv(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        words = [_literal(e) for e in node.elts]
        return [w if w is not None else "$ARG" for w in words]
    text = _literal(node)
    return shlex.split(text) if text else None
