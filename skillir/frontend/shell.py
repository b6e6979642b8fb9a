"""The shell front-end: a shell script read into commands, one reader for every analysis.

`read(code, reading)` gives a `Script`: each simple command's words (`argv`, quotes removed)
with their offsets in `code`, the constructs the script holds (`features`: pipe, and-or,
redirect, heredoc, loop, if, subst, ...) and what could not be parsed (`problems`). Results are
cached: compiling one skill for several targets reads the same blocks again. `program` finds
the word that names the program a command runs, past assignments and wrappers (`sudo`, `env`,
`timeout 30`, ... in `skillir/data/shell.toml`); `RUNNERS` names the package runners
(`uv run`, `npx`).

The analyses need different things of the same text, so there are three readings:

- `exact` (extract-deps): here-documents blanked; the script parsed whole (`shell_words`, else
  bashlex); where bashlex fails, a problem at its position and a line-wise `shlex` reading
  with approximate offsets, redirect targets and `for`/`case` headers dropped.
- `lines` (build-dataflow): here-documents blanked, `$ ` prompts stripped, each logical line
  split by `shlex` with redirect operators kept as words (their targets are what a command
  reads and writes); no parse, so no features and no offsets (`offsets` is empty).
- `sniff` (infer-capabilities): console prompts kept without their output lines,
  `<placeholders>` made words; plain splitting when the text holds nothing but words, else
  parsed, line by line where bashlex fails; features also name awk, sed, xargs, find-exec,
  text-pipeline (a pipe into text tools) and command (any command at all); no offsets.

    >>> [c.argv for c in read("sudo pip install x | tee log", "exact").commands]
    [('sudo', 'pip', 'install', 'x'), ('tee', 'log')]
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from skillir.data import load
from skillir.frontend import shell_words

Reading = Literal["exact", "lines", "sniff"]
READINGS: tuple[Reading, ...] = ("exact", "lines", "sniff")


@dataclass(frozen=True)
class Command:
    """One simple command: its words and, in the `exact` reading, each word's offset."""

    argv: tuple[str, ...]
    offsets: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Where the parser failed: 1-based line and column within the script."""

    line: int
    col: int
    message: str


@dataclass(frozen=True)
class Script:
    commands: tuple[Command, ...]
    features: frozenset[str]
    problems: tuple[Problem, ...] = ()


@lru_cache(maxsize=8192)
def read(code: str, reading: Reading = "exact") -> Script:
    """The commands, features and problems of the shell script `code` in `reading`."""
    if reading == "exact":
        return _exact(code)
    if reading == "lines":
        return Script(tuple(Command(words) for words in _lines(code)), frozenset())
    if reading == "sniff":
        return _sniff(code)
    raise ValueError(f"unknown reading {reading!r}; one of {', '.join(READINGS)}")


# ---------------------------------------------------------------------------------------------
# the program a command runs


@dataclass(frozen=True)
class Wrappers:
    """Words that come before the program a command runs; with `options`, each wrapper's own
    options, assignments and (for `timeout`, `nice`) its duration are skipped too."""

    words: frozenset[str]
    options: bool = False


_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=")
_DURATION = re.compile(r"[\d.]+[smhd]?")


def _table() -> dict[str, list[str]]:
    return load("shell.toml")["wrappers"]


def wrappers(*groups: str, options: bool = False, also: Sequence[str] = ()) -> Wrappers:
    """The wrapper words of the named groups of `shell.toml` (and `also`)."""
    table = _table()
    return Wrappers(frozenset(w for g in groups for w in table[g]) | frozenset(also), options)


# extract-deps: every wrapper, with its options (`sudo -E`, `timeout 30`); keywords too, since
# its line-wise reading keeps them as words
EVERY = wrappers("run-rest", "run-after-options", "keywords", options=True)
# infer-capabilities names `xargs` and `timeout` themselves: xargs is a feature it reports
RUN_REST = wrappers("run-rest")
# build-dataflow: xargs runs its command on the input's words, read as the command's operands
RUN_REST_AND_XARGS = wrappers("run-rest", also=("xargs",))

RUNNERS: dict[str, tuple[str, ...]] = {
    name: tuple(words) for name, words in load("shell.toml")["runners"].items()
}


def program(argv: Sequence[str], through: Wrappers) -> int:
    """The index of the word of `argv` that names the program run: past `NAME=value` words and
    the wrappers of `through`; `len(argv)` when none is left."""
    durations = _table()["duration-first"]
    i = 0
    while i < len(argv):
        word = argv[i]
        if _ASSIGNMENT.match(word):
            i += 1
            continue
        if word not in through.words:
            break
        i += 1
        valued = _valued_options().get(word, ())
        while through.options and i < len(argv):
            arg = argv[i]
            if not (
                arg.startswith("-")
                or _ASSIGNMENT.match(arg)
                or (word in durations and _DURATION.fullmatch(arg))
            ):
                break
            i += 2 if arg in valued else 1
    return i


@lru_cache(maxsize=1)
def _valued_options() -> dict[str, tuple[str, ...]]:
    """Per wrapper, its options that take the next word as their value (`shell.toml`)."""
    return {name: tuple(opts) for name, opts in load("shell.toml")["valued-options"].items()}


# ---------------------------------------------------------------------------------------------
# exact


_HEREDOC = re.compile(r"""(?<!<)<<-?(?!<)\s*(['"]?)([A-Za-z_][\w.-]*)\1""")


def blank_heredocs(code: str) -> str:
    """Replace here-document operators and bodies with spaces, keeping offsets (bashlex
    mishandles quoted delimiters and the bodies are data, not commands)."""
    lines = code.split("\n")
    out: list[str] = []
    end: str | None = None
    for ln in lines:
        if end is not None:
            if ln.strip() == end:
                end = None
            out.append(" " * len(ln))
            continue
        m = _HEREDOC.search(ln)
        if m:
            end = m.group(2)
            ln = ln[: m.start()] + " " * (m.end() - m.start()) + ln[m.end() :]
        out.append(ln)
    return "\n".join(out)


# `declare -A MAP=( ["en-US"]="x" )`, `files+=(a b)`: a bash array's words, which bashlex
# cannot parse; they are values, never commands
_ARRAY_LITERAL = re.compile(
    r"""(?:(?<=[\w\]]=)|(?<=[\w\]]\+=))\((?:[^()'"$]|'[^']*'|"(?:[^"$\\]|\\.|\$(?!\())*"|\$(?!\())*\)"""
)


def _blank_arrays(code: str) -> str:
    return _ARRAY_LITERAL.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), code)


def _exact(code: str) -> Script:
    code = _blank_arrays(blank_heredocs(code))
    features: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    try:
        simple = shell_words.read(code)
        if simple is not None:
            commands: Sequence[Sequence[tuple[str, int]]] = simple.commands
            features = simple.features
        elif any(ln.strip() and not ln.lstrip().startswith("#") for ln in code.split("\n")):
            walked = shell_words.bashlex_walk(code)
            commands, features = walked.commands, walked.features
        else:
            commands = []
    except Exception as err:  # bashlex raises assorted errors on unsupported syntax
        line, col = _error_pos(code, err)
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        problems = (Problem(line, col, msg),)
        commands = _shlex_commands(code)
    return Script(
        tuple(Command(tuple(w for w, _ in c), tuple(o for _, o in c)) for c in commands),
        features,
        problems,
    )


def _error_pos(code: str, err: Exception) -> tuple[int, int]:
    """Where bashlex failed: its position counts from the start of the failing line, so the
    line is the first one holding the unexpected token there."""
    pos = getattr(err, "position", 0) or 0
    token = re.search(r"unexpected token '(.+?)'", str(err))
    if token:
        for i, text in enumerate(code.split("\n")):
            if text[pos : pos + len(token.group(1))] == token.group(1):
                return 1 + i, pos + 1
    line = code.count("\n", 0, pos)
    return 1 + line, pos - (code.rfind("\n", 0, pos) + 1) + 1


_SEP = {"|", "||", "&&", ";", "&", "(", ")", "|&", ";;", "\n"}
_REDIR = {">", ">>", "<", "<<", "<<<", "&>", ">&", "<&", "&>>", ">|"}
_ARITH = re.compile(r"\$\(\(.*?\)\)")


def _shlex_commands(code: str) -> list[list[tuple[str, int]]]:
    """Line-wise fallback: split on shell operators with `shlex`, approximate offsets."""
    code = _ARITH.sub(lambda m: " " * len(m.group()), code)
    commands: list[list[tuple[str, int]]] = []
    offset = 0
    logical: list[tuple[str, int]] = []
    buf, buf_off = "", 0
    quote: str | None = None
    for raw in code.splitlines(True):
        line = raw.rstrip("\n")
        if not buf:
            buf_off = offset
        quote = _open_quote(line, quote)
        if quote is not None:  # a string over several lines (`node -e "..."`): one command
            buf += line + "\n"
        elif line.endswith("\\"):
            buf += line[:-1] + " "
        else:
            logical.append((buf + line, buf_off))
            buf = ""
        offset += len(raw)
    if buf:
        logical.append((buf, buf_off))
    cases = 0  # `case ... esac` open around the line (they nest)
    for line, base in logical:
        if cases:  # `ubuntu|debian|pop)`: a case pattern, not commands
            line = _CASE_PATTERN.sub(lambda m: " " * len(m.group()), line, count=1)
        # `DEPS+=("libnss3")`: an array's words are values, not commands
        line = _ARRAY.sub(lambda m: m.group(1) + " " * (len(m.group()) - len(m.group(1))), line)
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError:
            tokens = line.split("#", 1)[0].split()
        cursor, current, skip_next, skipping = 0, [], False, False
        for tok in tokens:
            found = line.find(tok, cursor)
            pos = found if found >= 0 else cursor
            cursor = pos + len(tok) if found >= 0 else cursor
            if tok in _SEP or (tok and set(tok) <= set("|&;()")):
                # inside `case ... esac`, `PATTERN)` is a pattern, not a command
                if current and not (cases and tok == ")" and len(current) == 1):
                    commands.append(current)
                current, skipping = [], False
                continue
            if tok == "esac":
                cases = max(cases - 1, 0)
                continue
            if tok in _REDIR or (tok and set(tok) <= set("<>&")):
                skip_next = True
                continue
            if skip_next or skipping:
                skip_next = False
                continue
            if not current and tok in ("for", "case", "select", "function"):
                skipping = True
                cases += tok == "case"
                continue
            current.append((tok, base + pos))
        if current:
            commands.append(current)
    return commands


_ARRAY = re.compile(r"(\b[A-Za-z_]\w*\+?=)\([^()\n]*\)")
_CASE_PATTERN = re.compile(r"\A\s*\(?[^()\n;|&]*(?:\|[^()\n;|&]*)*\)")


def _open_quote(line: str, quote: str | None) -> str | None:
    """The quote still open at the end of `line` when `quote` was open at its start (None:
    none); a `#` starting a word outside quotes ends the line."""
    escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None:
            if char in "'\"":
                quote = char
            elif char == "#" and (i == 0 or line[i - 1] in " \t;|&("):
                break
        elif char == quote:
            quote = None
    return quote


# ---------------------------------------------------------------------------------------------
# lines


def _lines(code: str) -> tuple[tuple[str, ...], ...]:
    """Simple commands as word lists; redirections stay as words (`>`, then the target)."""
    code = blank_heredocs(code)
    logical = code.replace("\\\n", " ")
    out: list[tuple[str, ...]] = []
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("$ "):
            line = line[2:]
        tokens = line_words(line)
        current: list[str] = []
        for tok in tokens:
            if tok in ("|", "||", "&&", ";", "&", "(", ")", ";;", "|&"):
                if current:
                    out.append(tuple(current))
                current = []
            else:
                current.append(tok)
        if current:
            out.append(tuple(current))
    return tuple(out)


def line_words(line: str) -> list[str]:
    """Shell words, with each run of `|&;()<>` a word of its own; plain words when quotes
    do not match. What `shlex_words` reads, found without `shlex` for a line without escapes."""
    return _unescaped_words(line) if "\\" not in line else shlex_words(line)


def shlex_words(line: str) -> list[str]:
    """`line_words` by `shlex` itself."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;()<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:
        return line.split()


# what shlex (posix, whitespace_split, punctuation_chars) reads on a line without escapes:
# blanks, a comment, a run of punctuation, a word (of bare and quoted parts), a lone quote
_SHELL_TOKEN = re.compile(
    r"""[ \t\r\n]+|#.*|[|&;()<>]+|(?:[^ \t\r\n|&;()<>'"#]+|'[^']*'|"[^"]*")+|.""", re.S
)
_QUOTED_PART = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _unquote(quoted: re.Match[str]) -> str:
    return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)


def _unescaped_words(line: str) -> list[str]:
    """`line_words` for a line without backslashes, a few times faster than shlex."""
    words = []
    for m in _SHELL_TOKEN.finditer(line):
        token = m.group()
        if token[0] in " \t\r\n":
            continue
        if token[0] == "#":
            break
        if token in ("'", '"'):
            return line.split()  # no closing quotation
        if "'" in token or '"' in token:
            token = _QUOTED_PART.sub(_unquote, token)
        words.append(token)
    return words


# ---------------------------------------------------------------------------------------------
# sniff

_PLACEHOLDER = re.compile(r"<[A-Za-z][\w.:/-]*(?: [\w.:/-]+)*>")
_SHELL_SPECIAL = re.compile(
    r"[|&;<>()`]|\$\(|^\s*(for|while|until|if|case|select|function)\b|\b(sed|awk|gawk|xargs)\b",
    re.M,
)
_SHELL_KEYWORDS = frozenset(
    ("do", "done", "then", "else", "elif", "fi", "esac", "{", "}", "!", "in", "time")
)
_QUOTED = re.compile(r"'[^']*'|\"(?:\\.|[^\"\\])*\"")
_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*")
# text-processing programs, and line filters: a pipe into one of the first, or into three of
# the second (`git log | grep x | head`), is a text pipeline (`text-pipeline`); `cmd | grep x`
# alone is not
_TEXT_PROGRAMS = frozenset(("sed", "awk", "gawk", "mawk", "sort", "uniq", "cut", "wc"))
# `tr -d '\n'` after `base64` trims a byte stream: a filter only after something else's text
_LINE_FILTERS = frozenset(("grep", "egrep", "fgrep", "rg", "head", "tail", "jq", "tr"))
# programs that list paths, and what only orders or picks their lines
_PATH_LISTERS = frozenset(("find", "fd", "ls"))
_PICKERS = frozenset(("sort", "head", "tail"))


def sniff_source(text: str) -> str:
    """Commands only: prompts stripped (output lines dropped), placeholders made words."""
    lines = text.splitlines()
    prompted = [ln for ln in lines if ln.lstrip().startswith("$ ")]
    if prompted:
        kept: list[str] = []
        continuing = False
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith("$ "):
                kept.append(stripped[2:])
                continuing = stripped.endswith("\\")
            elif continuing:
                kept.append(line)
                continuing = line.endswith("\\")
        lines = kept
    source = "\n".join(ln for ln in lines if ln.strip() not in ("...", "…"))
    return _PLACEHOLDER.sub("PLACEHOLDER", source)


def command_name(argv: Sequence[str]) -> str:
    """The program `argv` runs as infer-capabilities names it: past the `run-rest` wrappers and
    assignments, the last word when nothing else is left (`env` alone prints the
    environment), without its directory."""
    if not argv:
        return ""
    return argv[min(program(argv, RUN_REST), len(argv) - 1)].rsplit("/", 1)[-1]


def _needs_parse(source: str) -> bool:
    """Whether anything besides plain commands may be there: operators, keywords, expansions
    or text tools outside quotes and comments."""
    if "$(" in source or "`" in source:
        return True
    if not _SHELL_SPECIAL.search(source):
        return False
    return _SHELL_SPECIAL.search(_COMMENT.sub("", _QUOTED.sub("''", source))) is not None


def _text_pipeline(line: str) -> bool:
    """Whether one line pipes text through a text program (`sort`, `awk`, ...) or through two
    line filters (`grep`, `head`, `jq`) after a producer (`git log | grep x | head`). Judged
    per line, so two short pipelines of one block (`jq ... | grep x`, `find ... | head`) are
    no text pipeline together."""
    if not re.search(r"(?<!\|)\|(?!\|)", line):
        return False
    commands: list[tuple[str, ...]] = []
    _shlex_line(line, commands, set())
    names = [command_name(words) for words in commands]
    names = [n for n in names if not _ASSIGNMENT.match(n)]  # `DIR=$(find ...)`
    if names and names[0] in _PATH_LISTERS and set(names[1:]) <= _PICKERS:
        return False  # `find ... -type d | sort -r | head -1`: picks a path, reads no text
    programs = sum(name in _TEXT_PROGRAMS for name in names)
    filters = sum(name in _LINE_FILTERS for name in names)
    return programs >= 1 or (filters >= 2 and len(names) >= 3)


def _logical_lines(source: str) -> list[str]:
    return [ln for ln in source.replace("\\\n", " ").splitlines() if ln.strip()]


def _sniff(text: str) -> Script:
    source = sniff_source(text)
    commands: list[tuple[str, ...]] = []
    features: set[str] = set()
    if not _needs_parse(source):
        for line in _logical_lines(source):
            words = _split_words(line)
            if words:
                commands.append(words)
    else:
        try:
            _bash_walk_all(source, commands, features)
        except Exception:  # bashlex raises many kinds of errors on shell it does not support
            commands.clear()
            features.clear()
            for line in _logical_lines(source):
                try:
                    _bash_walk_all(line, commands, features)
                except Exception:
                    _shlex_line(line, commands, features)
    for words in commands:
        name = command_name(words)
        if name == "xargs" and any(w == "-P" or w.startswith(("-P", "--max-procs")) for w in words):
            features.add("xargs-parallel")  # a fan-out of one command, not a text filter
        elif name in ("sed", "awk", "gawk", "mawk", "xargs"):
            features.add("awk" if name.endswith("awk") else name)
        elif name == "find" and any(w in ("-exec", "-execdir", "-ok") for w in words):
            features.add("find-exec")
    if "pipe" in features and any(_text_pipeline(line) for line in _logical_lines(source)):
        features.add("text-pipeline")
    if commands:
        features.add("command")
    return Script(tuple(Command(words) for words in commands), frozenset(features))


def _split_words(line: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(line, comments=True))
    except ValueError:
        return tuple(line.split("#", 1)[0].split())


def _bash_walk_all(source: str, commands: list[tuple[str, ...]], features: set[str]) -> None:
    """Add the commands and features of `source` (bashlex raises on what it cannot parse)."""
    script = shell_words.parse(source)
    commands.extend(tuple(word for word, _ in words) for words in script.commands if words)
    features.update(script.features)


_SHLEX_FEATURES = {
    "|": "pipe",
    "|&": "pipe",
    "&&": "and-or",
    "||": "and-or",
    ">": "redirect",
    ">>": "redirect",
    "<": "redirect",
    "&>": "redirect",
    ">&": "redirect",
    "<<": "heredoc",
    "<<-": "heredoc",
}


def _shlex_line(line: str, commands: list[tuple[str, ...]], features: set[str]) -> None:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = line.split("#", 1)[0].split()
    current: list[str] = []
    expect_target = False
    for token in tokens:
        if token and set(token) <= set("|&;<>()"):
            if token in _SHLEX_FEATURES:
                features.add(_SHLEX_FEATURES[token])
            expect_target = token in (">", ">>", "<", "&>", ">&", "<<", "<<-")
            if not expect_target and current:
                commands.append(tuple(current))
                current = []
            continue
        if expect_target:
            expect_target = False
            continue
        if not current and token in ("for", "while", "until"):
            features.add("loop")
            continue
        if not current and token in ("if", "elif"):
            features.add("if")
            continue
        if not current and token in _SHELL_KEYWORDS:
            continue
        if "$(" in token or "`" in token:
            features.add("subst")
        current.append(token)
    if current:
        commands.append(tuple(current))
