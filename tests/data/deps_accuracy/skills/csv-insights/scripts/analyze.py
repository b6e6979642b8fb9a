#!/usr/bin/env python3
"""Profile a CSV, chart it and fit a baseline model, as described by an analysis.yaml."""

import argparse
import json
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import yaml
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

from report_utils import image, section, write_report


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("config", type=Path)
    p.add_argument("--out", type=Path, default=Path("report"))
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    cfg = yaml.safe_load(args.config.read_text())
    df = pd.read_csv(args.config.parent / cfg["input"])
    df = df.drop(columns=cfg.get("drop", []), errors="ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    parts = []

    quality = pd.DataFrame({"missing": df.isna().sum(), "dtype": df.dtypes.astype(str)})
    parts.append(section("Data quality", f"{len(df)} rows, {df.duplicated().sum()} duplicates\n\n"
                         + quality.to_markdown()))
    parts.append(section("Summary", df.describe(include="all").T.to_markdown()))

    target = cfg["target"]
    numeric = df.select_dtypes("number").columns.drop(target, errors="ignore")
    for col in list(numeric)[:6]:
        fig, ax = plt.subplots(figsize=(6, 4))
        sns.histplot(df[col].dropna(), ax=ax, bins=40)
        path = args.out / f"hist_{col}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        parts.append(image(path, col))

    cats = cfg.get("categorical", [])
    enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    X = np.hstack([df[numeric].fillna(df[numeric].median()).to_numpy(),
                   enc.fit_transform(df[cats].astype(str)) if cats else np.empty((len(df), 0))])
    y = df[target]
    classify = y.nunique() <= 10
    model = LogisticRegression(max_iter=1000) if classify else LinearRegression()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    model.fit(X_train, y_train)
    score = model.score(X_test, y_test)
    parts.append(section("Baseline model", f"{type(model).__name__}: held-out score {score:.3f}"))
    if args.verbose:
        print(model.coef_)

    summary = {"rows": len(df), "score": score,
               "median_target": statistics.median(y.dropna()) if not classify else None}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    print(write_report(args.out, parts))


if __name__ == "__main__":
    main()
