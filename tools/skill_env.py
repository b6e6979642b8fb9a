"""`skill-env check SKILL [--install --venv DIR]`: are a skill's dependencies present here?

Runs only the checks (nothing is installed by default); `--install --venv DIR` creates a
throwaway virtual environment and installs the pip dependencies there, never into the user's
environment. Exit 0 when everything checked is present, 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from skillir.tools.skill_opt import load_module
from skillir.version import PrintVersion


def main(args: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="skill-env", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=PrintVersion)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="run the dependency checks on this machine")
    check.add_argument("skill", help="a SKILL.md, a skill folder, or IR text")
    check.add_argument("--install", action="store_true", help="install pip dependencies")
    check.add_argument("--venv", type=Path, help="the throwaway venv for --install")
    options = parser.parse_args(args)
    if options.install and options.venv is None:
        parser.error("--install needs --venv DIR (nothing is installed into your environment)")

    driver, module = load_module("skill-env", options.skill, "extract-deps")
    driver.sink.flush(sys.stderr)
    if module is None:
        return 1

    from skillir.analysis.env.check import check_all, install_pip_into_venv

    if options.install:
        installed, failed = install_pip_into_venv(module, options.venv)
        for spec in installed:
            print(f"installed into {options.venv}: {spec}")
        for spec in failed:
            print(f"could not install into {options.venv}: {spec}")
    results = check_all(module)
    for result in results:
        print(f"{result.status:8} {result.label}  ({result.where})")
    missing = [r for r in results if r.status == "missing"]
    absent = sum(r.status == "optional" for r in results)
    present = len(results) - len(missing) - absent
    print(
        f"{present} present or provided, {len(missing)} missing"
        + (f", {absent} optional not installed" if absent else "")
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
