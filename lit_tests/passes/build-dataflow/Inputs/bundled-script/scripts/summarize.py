import json

import pandas as pd

df = pd.read_csv("data/raw.csv")
with open("out/summary.json", "w") as fh:
    json.dump({"rows": len(df)}, fh)
