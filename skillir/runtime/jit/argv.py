"""A command line as structure: and-or lists of pipelines of argv commands with redirections.

`structure(text)` reads an `execute_command` string with the project's shell reader
(`skillir.frontend.shell_words.read`) and, where the reader takes it, returns the structure:

    [{"op": null, "pipeline": [{"argv": ["wc", "-w"], "redirects": [
        {"fd": 0, "op": "<", "target": "a.txt"}, {"fd": 1, "op": ">", "target": "n.txt"}]}]},
     {"op": "&&", "pipeline": [{"argv": ["cat", "n.txt"], "redirects": []}]}]

`op` joins an item to the one before (`&&`, `||`, `;`). A redirect is `<`, `>` or `>>` to a
file (`target`), or `>&` duplicating another descriptor (`dup`). None for anything the reader
declines (substitutions, here-documents, compound commands, background jobs ...) and for
leading assignments, and for any `$`, glob, `~` or brace (bash would expand them, argv
would not): such commands are never solidified. The words are cross-checked with the reader's:
both must agree on every word and its offset.
"""

from __future__ import annotations

from typing import Any

from skillir.frontend.shell_words import read

_METACHARS = frozenset(" \t\n|&;()<>")
_EXPANDED = frozenset("$*?[~{")  # parameters, globs, tilde and braces (anywhere, to be safe)


def _word_end(code: str, at: int) -> int:
    """Where the word starting at `at` ends (quotes and escapes as the reader takes them)."""
    while at < len(code) and code[at] not in _METACHARS:
        ch = code[at]
        if ch == "'":
            at = code.index("'", at + 1) + 1
        elif ch == '"':
            at += 1
            while code[at] != '"':
                at += 2 if code[at] == "\\" else 1
            at += 1
        elif ch == "\\":
            at += 2
        else:
            at += 1
    return at


def _unquote(raw: str) -> str:
    """A word's value: quotes removed; a backslash keeps the next character (also inside
    double quotes, as the reader does)."""
    out, at = [], 0
    while at < len(raw):
        ch = raw[at]
        if ch == "'":
            end = raw.index("'", at + 1)
            out.append(raw[at + 1 : end])
            at = end + 1
        elif ch == '"':
            at += 1
            while raw[at] != '"':
                if raw[at] == "\\":
                    at += 1
                out.append(raw[at])
                at += 1
            at += 1
        elif ch == "\\":
            out.append(raw[at + 1])
            at += 2
        else:
            out.append(ch)
            at += 1
    return "".join(out)


def _tokens(code: str) -> list[tuple[str, Any, int]] | None:
    """(kind, value, offset) tokens: word, op (`|`, `&&`, `||`, `;`) and redirect."""
    found: list[tuple[str, Any, int]] = []
    at = 0
    while at < len(code):
        ch = code[at]
        if ch in " \t":
            at += 1
        elif code.startswith("\\\n", at):
            at += 2
        elif ch == "#":
            end = code.find("\n", at)
            at = len(code) if end == -1 else end
        elif ch in "\n;":
            found.append(("op", ";", at))
            at += 1
        elif code.startswith(("&&", "||"), at):
            found.append(("op", code[at : at + 2], at))
            at += 2
        elif ch == "|":
            found.append(("op", "|", at))
            at += 1
        elif ch in "<>" or (ch.isdigit() and _redirect_digits(code, at)):
            start = at
            fd_text = ""
            while code[at].isdigit():
                fd_text += code[at]
                at += 1
            op = code[at]
            at += 1
            if op == ">" and code.startswith(">", at):
                op, at = ">>", at + 1
            elif op == ">" and code.startswith("&", at):
                at += 1
                end = at
                while end < len(code) and code[end].isdigit():
                    end += 1
                fd = int(fd_text) if fd_text else 1
                found.append(("redirect", {"fd": fd, "op": ">&", "dup": int(code[at:end])}, start))
                at = end
                continue
            while code[at] in " \t":
                at += 1
            end = _word_end(code, at)
            fd = int(fd_text) if fd_text else (0 if op == "<" else 1)
            target = _unquote(code[at:end])
            found.append(("redirect", {"fd": fd, "op": op, "target": target}, start))
            at = end
        else:
            end = _word_end(code, at)
            found.append(("word", _unquote(code[at:end]), at))
            at = end
    return found


def _redirect_digits(code: str, at: int) -> bool:
    """Whether the digits at `at` name a descriptor (`2>`), not start a word."""
    if at and code[at - 1] not in " \t\n;|&":
        return False
    end = at
    while end < len(code) and code[end].isdigit():
        end += 1
    return end < len(code) and code[end] in "<>"


def structure(text: str) -> list[dict[str, Any]] | None:
    """The and-or list of `text` (see the module docstring), or None where it cannot be run
    by argv: the reader declines it, a command has leading assignments or no words, or the
    descriptors are other than 0, 1, 2."""
    if any(ch in text for ch in _EXPANDED):
        return None  # bash would expand it; argv passes it literally
    script = read(text)
    if script is None or not script.commands or any(not c for c in script.commands):
        return None
    tokens = _tokens(text)
    if tokens is None:
        return None
    words = [w for command in script.commands for w in command]
    mine = [(value, at) for kind, value, at in tokens if kind == "word"]
    if mine != words:
        return None  # an assignment, or a reading that differs from the reader's
    items: list[dict[str, Any]] = []
    op: str | None = None
    pipeline: list[dict[str, Any]] = []
    command: dict[str, Any] = {"argv": [], "redirects": []}
    for kind, value, _ in [*tokens, ("op", ";", len(text))]:
        if kind == "word":
            command["argv"].append(value)
        elif kind == "redirect":
            if value["fd"] > 2 or value.get("dup", 0) > 2:
                return None
            command["redirects"].append(value)
        elif command["argv"]:
            pipeline.append(command)
            command = {"argv": [], "redirects": []}
            if value != "|":
                items.append({"op": op, "pipeline": pipeline})
                op, pipeline = value, []
        elif command["redirects"] or pipeline:
            return None
    return items or None


def shape(items: list[dict[str, Any]]) -> list[Any]:
    """The structure with every word but each command's name left out: what must agree for
    two commands to align (the same program, operators, argument count and redirections)."""
    return [
        [
            item["op"],
            [
                [
                    c["argv"][0],
                    len(c["argv"]),
                    [(r["fd"], r["op"], r.get("dup")) for r in c["redirects"]],
                ]
                for c in item["pipeline"]
            ],
        ]
        for item in items
    ]


def words_of(items: list[dict[str, Any]]) -> list[str]:
    """Every word of the structure in order: each command's argv, then its redirect targets."""
    found: list[str] = []
    for item in items:
        for c in item["pipeline"]:
            found += c["argv"]
            found += [r["target"] for r in c["redirects"] if "target" in r]
    return found
