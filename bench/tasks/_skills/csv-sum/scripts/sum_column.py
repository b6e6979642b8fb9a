"""Print the sum of one column of a CSV file: sum_column.py FILE COLUMN."""

import csv
import sys

with open(sys.argv[1], newline="") as f:
    total = sum(float(row[sys.argv[2]]) for row in csv.DictReader(f))
print(f"{total:g}")
