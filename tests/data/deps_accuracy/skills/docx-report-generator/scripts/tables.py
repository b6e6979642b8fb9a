"""Load tabular data for report sections."""

import csv
import json
from pathlib import Path


def load_rows(path: Path) -> list[list[str]]:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not data:
            return []
        header = list(data[0])
        return [header] + [[str(item.get(k, "")) for k in header] for item in data]
    with path.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)]
