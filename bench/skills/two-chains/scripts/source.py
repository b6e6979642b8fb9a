"""Print a small list after a one-second wait (a slow query, without a database)."""

import sys
import time

LISTS = {
    "cities": ["Oslo", "Lima", "Accra", "Hanoi"],
    "rivers": ["Nile", "Amazon", "Danube", "Mekong"],
}
time.sleep(1.0)
print("\n".join(LISTS[sys.argv[1]]))
