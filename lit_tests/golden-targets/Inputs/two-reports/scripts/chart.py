"""Draw one quarterly bar chart as SVG: chart.py QUARTER OUT."""

import sys

quarter, out = sys.argv[1], sys.argv[2]
with open(out, "w", encoding="utf-8") as f:
    f.write(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{quarter}</text></svg>\n')
