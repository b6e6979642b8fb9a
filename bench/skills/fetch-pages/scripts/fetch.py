"""Print a status page after a one-second wait (a slow endpoint, without the network)."""

import sys
import time

time.sleep(1.0)
print(f"{sys.argv[1]}: up")
