#!/usr/bin/env python3
"""Check that a proposed release version is newer than pyproject.toml's and not tagged yet."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def parse(version: str) -> tuple[int, int, int]:
    match = VERSION.match(version)
    if match is None:
        sys.exit(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: check_version.py X.Y.Z")
    new = sys.argv[1]
    current = tomllib.loads(Path("pyproject.toml").read_text())["project"]["version"]
    if parse(new) <= parse(current):
        sys.exit(f"{new} is not greater than the current version {current}")
    tags = subprocess.run(["git", "tag", "--list", f"v{new}"], capture_output=True, text=True, check=True)
    if tags.stdout.strip():
        sys.exit(f"tag v{new} already exists")
    print(f"ok: {current} -> {new}")


if __name__ == "__main__":
    main()
