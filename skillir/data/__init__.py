"""skillir's data tables: the TOML files of this folder, each read and parsed once per process.

>>> sorted(load("shell.toml")["wrappers"])[:2]
['duration-first', 'keywords']
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed TOML file `name` of `skillir/data/` (shared: callers must not change it).
    Raises `tomllib.TOMLDecodeError` on a malformed file, which callers turn into their own
    error naming the file."""
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)
