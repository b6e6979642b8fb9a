"""Where each value of a JSON document sits, so that an error about a field (`eval[1].mode`)
can name its line and column."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_LAST = re.compile(r"(?:\.[^.\[\]]*|\[\d+\])$")  # `.key` or `[n]` at the end of a field


def _skip(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()  # type: ignore[union-attr]


def _scan(text: str, i: int, path: str, found: dict[str, int], mark: int | None) -> int:
    """Record `path` at `mark` (its key) or at the value's start; the index after the value."""
    i = _skip(text, i)
    found.setdefault(path, i if mark is None else mark)
    opener = text[i : i + 1]
    if opener not in ("{", "["):
        return _DECODER.raw_decode(text, i)[1]
    closer = "}" if opener == "{" else "]"
    i = _skip(text, i + 1)
    n = 0
    while text[i] != closer:
        if opener == "{":
            key, after = scanstring(text, i + 1)
            after = _skip(text, after) + 1  # the ':'
            i = _scan(text, after, f"{path}.{key}" if path else key, found, i)
        else:
            i = _scan(text, i, f"{path}[{n}]", found, None)
            n += 1
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return i + 1


def position(text: str, field: str) -> tuple[int, int]:
    """1-based (line, column) of `field` (`eval[1].mode`: its key; `eval[1]`: the element) in
    the valid JSON `text`; a field that is not there falls back to its nearest parent, and
    anything else to 1:1."""
    found: dict[str, int] = {}
    try:
        _scan(text, 0, "", found, None)
    except (RecursionError, ValueError, IndexError):
        return (1, 1)
    while field and field not in found:
        parent = _LAST.sub("", field)
        field = parent if parent != field else ""
    at = found.get(field, 0)
    return (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))
