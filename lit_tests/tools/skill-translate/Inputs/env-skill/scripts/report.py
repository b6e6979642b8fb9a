import os

import yaml

out = os.environ["REPORT_DIR"]
