"""CPU time of `skill-opt SKILL.md -p validate-skill` on hostile inputs that once took time
quadratic in their size (issue 14), next to plain prose of the same size.

Each shape is built at 25, 50 and 100 KB and run in-process (parse, verify, validate, print
IR to /dev/null) with the parse caches emptied; the table gives the median CPU time of
`--runs` runs, the ratio 100 KB / 50 KB (about 2 for linear time, 4 for quadratic) and the
100 KB time over prose's. `tests/test_hostile_inputs.py` asserts the doubling ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FM = "---\nname: hostile\ndescription: A hostile input.\n---\n"
SIZES = (25_000, 50_000, 100_000)


def _prose(size: int) -> str:
    line = "Plain words make a sentence, and a sentence ends here. Then another one.\n"
    return FM + line * (size // len(line))


def _indented_code_blanks(size: int) -> str:
    return FM + "\n    code\n" + "\n" * size + "    more code\n"


def _html_open_spaces(size: int) -> str:
    return FM + "<a" + " " * size + "\n"


def _table_row_spaces(size: int) -> str:
    return FM + "| a | b |\n" + " " * size + "\n"


def _link_opens(size: int) -> str:
    return FM + "[](" * (size // 3) + "\n"


def _bracket_opens(size: int) -> str:
    return FM + "[" * size + "\n"


def _frontmatter_keys(size: int) -> str:
    keys = "".join(f"k{index}: v\n" for index in range(size // 10))
    return f"---\nname: hostile\ndescription: A hostile input.\n{keys}---\nbody\n"


def _missing_links(size: int) -> str:
    return FM + "".join(f"[x](missing{index}.md)\n" for index in range(size // 22))


def _path_mentions(size: int) -> str:
    return FM + "".join(f"scripts/s{index}.py " for index in range(size // 17)) + "\n"


SHAPES: dict[str, Callable[[int], str]] = {
    "plain prose": _prose,
    "indented code + blank lines": _indented_code_blanks,
    "'<a' + spaces": _html_open_spaces,
    "table row + line of spaces": _table_row_spaces,
    "'[](' repeated": _link_opens,
    "'[' repeated": _bracket_opens,
    "frontmatter keys": _frontmatter_keys,
    "links to missing files": _missing_links,
    "paths in one line": _path_mentions,
}


def _code_paths(size: int) -> str:
    return FM + "".join(f"`scripts/f{index}.py` " for index in range(size // 18)) + "\n"


# Shapes that were slow in the compile passes (infer-capabilities), not in parsing: timed by
# `compile_cpu_time`.
COMPILE_SHAPES: dict[str, Callable[[int], str]] = {
    "inline paths to missing files": _code_paths,
}
PROFILE = Path(__file__).resolve().parents[1] / "lit_tests/golden-targets/Inputs/strong.json"


def compile_cpu_time(text: str, folder: Path) -> float:
    """CPU seconds of `skill-translate FOLDER --target=claude-code --profile strong.json` on
    `text` as `FOLDER/SKILL.md`, in-process, the parse caches emptied first."""
    from skillir.frontend.parser import clear_caches
    from skillir.tools.skill_translate import main

    (folder / "SKILL.md").write_text(text, encoding="utf-8")
    clear_caches()
    argv = [str(folder), "--target=claude-code", "--profile", str(PROFILE)]
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        start = time.process_time()
        main(argv)  # the compiled SKILL.md goes to the captured stdout
        return time.process_time() - start


def cpu_time(text: str, folder: Path) -> float:
    """CPU seconds of `skill-opt FOLDER -p validate-skill -o /dev/null` on `text` as
    `FOLDER/SKILL.md`, in-process, the parse caches emptied first."""
    from skillir.frontend.parser import clear_caches
    from skillir.tools.skill_opt import main

    (folder / "SKILL.md").write_text(text, encoding="utf-8")
    clear_caches()
    with contextlib.redirect_stderr(io.StringIO()):
        start = time.process_time()
        main([str(folder), "-p", "validate-skill", "-o", os.devnull])
        return time.process_time() - start


def measure(runs: int, sizes: tuple[int, ...] = SIZES) -> dict[str, list[float]]:
    """Median CPU seconds per shape and size."""
    table: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hostile"
        folder.mkdir()
        cpu_time(_prose(1000), folder)  # imports and grammar loads, outside the figures
        for name, shape in SHAPES.items():
            table[name] = [
                statistics.median(cpu_time(shape(size), folder) for _ in range(runs))
                for size in sizes
            ]
        for name, shape in COMPILE_SHAPES.items():
            table[f"{name} (compile)"] = [
                statistics.median(compile_cpu_time(shape(size), folder) for _ in range(runs))
                for size in sizes
            ]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per cell (median)")
    args = parser.parse_args()
    table = measure(args.runs)
    prose = table["plain prose"][-1]
    heads = [f"{size // 1000} KB ms" for size in SIZES]
    print(f"| shape | {' | '.join(heads)} | 100/50 KB | 100 KB / prose |")
    print("|---|" + "---:|" * (len(SIZES) + 2))
    for name, times in table.items():
        cells = " | ".join(f"{t * 1000:.1f}" for t in times)
        print(f"| {name} | {cells} | {times[-1] / times[-2]:.2f} | {times[-1] / prose:.1f} |")


if __name__ == "__main__":
    main()
