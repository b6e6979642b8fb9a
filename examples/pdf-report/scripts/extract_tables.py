#!/usr/bin/env python3
"""Print the table-like rows of a text file as pipe-separated cells.

A row is a line with at least two cells separated by two or more spaces, a tab or a `|`
(the layouts `pdftotext -layout` produces). Usage: extract_tables.py FILE [--min-cells N]
"""

import argparse
import re
import sys

CELL_SPLIT = re.compile(r"\s*\|\s*|\t+|\s{2,}")


def table_rows(lines, min_cells=2):
    for line in lines:
        text = line.strip().strip("|").strip()
        if not text or set(text) <= set("-=+|: "):
            continue  # blank line or a rule like |---|---|
        cells = [cell for cell in CELL_SPLIT.split(text) if cell]
        if len(cells) >= min_cells:
            yield cells


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", help="text file extracted from a PDF")
    parser.add_argument("--min-cells", type=int, default=2, help="fewest cells in a row")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8", errors="replace") as handle:
            for cells in table_rows(handle, args.min_cells):
                print(" | ".join(cells))
    except OSError as error:
        print(f"extract_tables: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
