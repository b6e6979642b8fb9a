"""What `--version` prints for every tool: skillir's version, and xDSL's on a second line."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def version_text(prog: str) -> str:
    """`PROG (skillir) X.Y.Z` and `xDSL X.Y.Z`, two lines without a final newline."""
    return f"{prog} (skillir) {_installed('skillir')}\nxDSL {_installed('xdsl')}"


class PrintVersion(argparse.Action):
    """`--version` for an argparse tool: prints `version_text(parser.prog)` and exits 0."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object):
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="print skillir's and xDSL's versions and exit",
        )

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # type: ignore[no-untyped-def]
        print(version_text(parser.prog))
        parser.exit()
