"""Print a service's status page after a five-second wait (a slow endpoint, no network)."""

import sys
import time

time.sleep(5.0)
print(f"{sys.argv[1]}: up")
