"""File discovery and reporting helpers."""

import csv
import os
from pathlib import Path

EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff"}


def iter_images(root: Path):
    for dirpath, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(dirpath) / name
            if path.suffix.lower() in EXTENSIONS:
                yield path


def write_report(rows, path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "output", "before_bytes", "after_bytes", "size"])
        writer.writerows(rows)
