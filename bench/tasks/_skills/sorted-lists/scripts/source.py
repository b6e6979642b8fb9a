"""Print a list (cities or rivers), one item a line, after a five-second wait (a slow query)."""

import sys
import time

LISTS = {
    "cities": ["Oslo", "Lima", "Accra", "Hanoi"],
    "rivers": ["Nile", "Mekong", "Amazon", "Danube"],
}
time.sleep(5.0)
print("\n".join(LISTS[sys.argv[1]]))
