"""Simple shell scripts read without bashlex, with the same result.

Most shell blocks in skills are commands joined by pipes, `&&`, `||` and `;`, with quoted
words and file redirects. bashlex parses them with a slow Python LALR parser; `read` reads that
subset directly and gives what a bashlex walk would (each simple command's words, quotes
removed, at their source offsets, and which operators occur), and returns None for anything
else — substitutions, here-documents, compound commands, assignments, background jobs, syntax
errors — so that callers use bashlex there. It follows bashlex where bashlex departs from bash
(a backslash in double quotes is dropped before any character) and declines the inputs where
bashlex's reading is erratic (brace forms, a quote character inside a later quoted part of a
word). `tests/test_shell_words.py` checks the agreement with bashlex on the corpus and on
generated scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Word = tuple[str, int]  # the word without its quotes, and its offset in the script

# words that are reserved at the start of a command: bashlex parses a compound command there
RESERVED = frozenset(
    "if then else elif fi case esac for select while until do done in function time coproc "
    "{ } [[ ]] !".split()
)
_METACHARS = frozenset(" \t\n|&;()<>")
# substitutions, ANSI-C and locale quoting, `$[` arithmetic, and carriage returns
_DECLINED = ("`", "$(", "$'", '$"', "$[", "\r")
_PARAMETER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


@dataclass(frozen=True)
class SimpleScript:
    commands: tuple[tuple[Word, ...], ...]
    features: frozenset[str]  # "pipe", "and-or", "redirect" (and from bashlex, see below)


class _Unsupported(Exception):
    """The script leaves the subset `read` handles."""


def parse(code: str) -> SimpleScript:
    """The commands of `code`: read directly when simple, else by bashlex, which raises on
    what it cannot parse."""
    simple = read(code)
    return simple if simple is not None else bashlex_walk(code)


_BASHLEX_FEATURES = {
    "pipe": "pipe",
    "for": "loop",
    "while": "loop",
    "until": "loop",
    "if": "if",
    "commandsubstitution": "subst",
    "processsubstitution": "subst",
}


def bashlex_walk(code: str) -> SimpleScript:
    """The commands bashlex finds in `code` (also those inside substitutions and compound
    commands, in the order a depth-first walk meets them; one of no words for a command of
    assignments or redirects only) and the constructs it holds, `features` extended with
    heredoc, loop, if and subst. Raises whatever bashlex raises."""
    import bashlex

    commands: list[tuple[Word, ...]] = []
    features: set[str] = set()

    def visit(node: Any) -> None:
        kind = node.kind
        if kind == "command":
            commands.append(tuple((p.word, p.pos[0]) for p in node.parts if p.kind == "word"))
        elif kind == "redirect":
            features.add("heredoc" if node.type in ("<<", "<<-") else "redirect")
        elif kind == "operator" and node.op in ("&&", "||"):
            features.add("and-or")
        elif kind in _BASHLEX_FEATURES:
            features.add(_BASHLEX_FEATURES[kind])
        for key, value in vars(node).items():
            if key == "pos":
                continue
            for child in value if isinstance(value, list) else (value,):
                if hasattr(child, "kind"):
                    visit(child)

    for part in bashlex.parse(code):
        visit(part)
    return SimpleScript(tuple(commands), frozenset(features))


def read(code: str) -> SimpleScript | None:
    """The commands of `code` as bashlex reads them, or None when bashlex is needed."""
    if any(mark in code for mark in _DECLINED):
        return None
    at = code.find("${")
    while at != -1:
        if not _PARAMETER.match(code, at):
            return None  # only `${NAME}`: bashlex fails on or rewrites the other forms
        at = code.find("${", at + 2)
    try:
        return _Reader(code).script()
    except _Unsupported:
        return None


class _Reader:
    def __init__(self, code: str) -> None:
        self.code = code
        self.at = 0
        self.commands: list[tuple[Word, ...]] = []
        self.features: set[str] = set()
        self.words: list[Word] = []
        self.redirected = False  # the current command has a redirect
        self.assigned = False  # the current command has a leading `NAME=value`
        self.joined = False  # the current command follows `|`, `&&` or `||`

    def script(self) -> SimpleScript:
        code, size = self.code, len(self.code)
        while self.at < size:
            ch = code[self.at]
            if ch in " \t":
                self.at += 1
            elif ch == "\n":
                self._end_command(separator=True)
                self.at += 1
            elif ch == "\\" and code.startswith("\\\n", self.at) and self.words:
                if not code[self.at + 2 :].strip():
                    raise _Unsupported  # bashlex fails on a line joined to nothing
                self.at += 2
            elif ch == "#":
                if self.at and code[self.at - 1] not in " \t\n":
                    raise _Unsupported  # bashlex reads `;#x` as a word
                end = code.find("\n", self.at)
                self.at = size if end == -1 else end
                if code[self.at - 1] == "\\":
                    raise _Unsupported  # bashlex reads a comment's last backslash as a join
            elif ch in "|&":
                self._operator(ch)
            elif ch == ";":
                if code.startswith(";;", self.at) or not (self.words or self.assigned):
                    raise _Unsupported  # `;;`, or `;` after no command
                self._end_command(separator=True)
                self.at += 1
            elif ch in "<>":
                self._redirect()
            elif ch in "()":
                raise _Unsupported
            else:
                self._word()
        self._end_command(separator=True)
        return SimpleScript(tuple(self.commands), frozenset(self.features))

    def _end_command(self, separator: bool) -> None:
        """Close the current command; `separator` (newline, `;`, end) may follow no command,
        unless an operator is waiting for one."""
        if self.words or self.assigned:
            self.commands.append(tuple(self.words))  # assignments only: a command of no words
        elif self.redirected or self.joined or not separator:
            raise _Unsupported  # a redirect alone, or an operator with nothing on one side
        self.words, self.redirected, self.joined, self.assigned = [], False, False, False

    def _operator(self, ch: str) -> None:
        code = self.code
        pair = code[self.at : self.at + 2]
        if pair in ("&&", "||"):
            self.features.add("and-or")
            self.at += 2
        elif ch == "|" and pair != "|&":
            self.features.add("pipe")
            self.at += 1
        else:
            raise _Unsupported  # `&`, `|&`, `&>`
        self._end_command(separator=False)
        self.joined = True
        rest = code[self.at :].lstrip(" \t")
        if not rest or rest[0] in "\n#|&;":
            raise _Unsupported  # the command goes on on the next line: leave it to bashlex

    def _redirect(self) -> None:
        """`[n]>`, `[n]>>`, `[n]<` with a target word, or `[n]>&m` (any `n` is already read)."""
        code = self.code
        op = code[self.at]
        self.at += 1
        if code.startswith(op, self.at):
            if op == "<":
                raise _Unsupported  # here-document or here-string
            self.at += 1
        elif code.startswith("&", self.at):
            self.at += 1
            start = self.at
            while self.at < len(code) and code[self.at].isdigit() and code[self.at].isascii():
                self.at += 1
            if self.at == start or (self.at < len(code) and code[self.at] not in _METACHARS):
                raise _Unsupported  # `>&file`, `>&-`
            self.features.add("redirect")
            self.redirected = True
            return
        elif code.startswith(("|", "&"), self.at) or (op == "<" and code.startswith(">", self.at)):
            raise _Unsupported
        while self.at < len(code) and code[self.at] in " \t":
            self.at += 1
        if self.at >= len(code) or code[self.at] in _METACHARS or code[self.at] == "#":
            raise _Unsupported
        self._word(target=True)
        self.features.add("redirect")
        self.redirected = True

    def _word(self, target: bool = False) -> None:
        code, size = self.code, len(self.code)
        start = self.at
        out: list[str] = []
        quotes = 0  # quoted parts and escapes
        plain = False  # any character outside them
        mixed = False  # a quoted part holds the other quote character
        while self.at < size:
            ch = code[self.at]
            if ch in _METACHARS:
                break
            if ch == "'":
                end = code.find("'", self.at + 1)
                if end == -1 or "\\" in code[self.at : end]:
                    raise _Unsupported  # unclosed, or a backslash bashlex may drop
                mixed = mixed or '"' in code[self.at : end]
                out.append(code[self.at + 1 : end])
                self.at, quotes = end + 1, quotes + 1
            elif ch == '"':
                first = len(out)
                self._double_quoted(out)
                mixed = mixed or "'" in "".join(out[first:])
                quotes += 1
            elif ch == "\\":
                if self.at + 1 >= size or code[self.at + 1] == "\n":
                    raise _Unsupported
                out.append(code[self.at + 1])
                self.at += 2
                quotes += 1
            else:
                out.append(ch)
                self.at += 1
                plain = True
        word = "".join(out)
        quoted = quotes > 0
        raw = code[start : self.at]
        braced = "{" in raw or "}" in raw or "[" in raw
        if (mixed or braced) and (quotes > 1 or (quoted and plain) or word in ("{", "}")):
            # bashlex misreads quotes in a word of several parts that has braces, a bracket or
            # a quote character inside quotes; `{` and `}` alone are syntax
            raise _Unsupported
        fd_like = (
            not quoted
            and self.at < size
            and code[self.at] in "<>"
            and word.isdigit()
            and word.isascii()
        )
        if fd_like and not target:
            self._redirect()  # `2>file`: the digits name a file descriptor
            return
        if target:
            if fd_like:
                raise _Unsupported  # `>1<a`: bashlex reads `1<` as a redirect of descriptor 1
            return
        if not self.words:
            if _ASSIGNMENT.match(raw) and not self.redirected:
                self.assigned = True  # bashlex makes it an assignment, not a word
                return
            if word in RESERVED or "=" in raw:
                raise _Unsupported  # a compound command, or an assignment to an array item
        self.words.append((word, start))

    def _double_quoted(self, out: list[str]) -> None:
        code, size = self.code, len(self.code)
        self.at += 1
        while self.at < size:
            ch = code[self.at]
            if ch == '"':
                self.at += 1
                return
            if ch == "\\" and self.at + 1 < size:
                following = code[self.at + 1]
                if following == "\n":
                    raise _Unsupported
                out.append(following)  # bashlex drops the backslash before any character
                self.at += 2
                continue
            out.append(ch)
            self.at += 1
        raise _Unsupported
