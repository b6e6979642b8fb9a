#!/usr/bin/env python3
"""Total revenue per region and month from a sales CSV; write the result as CSV."""

import argparse
import csv
from collections import defaultdict
from decimal import Decimal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv_path")
    parser.add_argument("--out", default="summary.csv")
    args = parser.parse_args()

    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows = 0
    with open(args.csv_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region = (row.get("region") or "").strip().upper()
            if not region:
                continue
            month = row["date"][:7]
            totals[(region, month)] += int(row["units"]) * Decimal(row["unit_price"])
            rows += 1

    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "month", "revenue"])
        for (region, month), revenue in sorted(totals.items()):
            writer.writerow([region, month, f"{revenue:.2f}"])
    print(f"{rows} rows, {len(totals)} region-months -> {args.out}")


if __name__ == "__main__":
    main()
