#!/usr/bin/env python3
"""Print a Markdown changelog entry for pull requests merged since a tag."""

import argparse
import os
import re
import subprocess
import sys

import requests

API = "https://api.github.com"
SECTIONS = {"feat": "Added", "fix": "Fixed", "perf": "Changed", "refactor": "Changed"}


def repo_slug() -> str:
    url = subprocess.check_output(["git", "remote", "get-url", "origin"], text=True).strip()
    m = re.search(r"github\.com[:/](.+?)(?:\.git)?$", url)
    if not m:
        sys.exit(f"origin is not a GitHub remote: {url}")
    return m.group(1)


def merged_prs(since: str) -> list[int]:
    log = subprocess.run(
        ["git", "log", "--merges", "--format=%s", f"{since}..HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout
    return [int(n) for n in re.findall(r"Merge pull request #(\d+)", log)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--since", required=True)
    args = p.parse_args()
    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        sys.exit("GITHUB_TOKEN is not set")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    slug = repo_slug()
    grouped: dict[str, list[str]] = {}
    for number in merged_prs(args.since):
        pr = requests.get(f"{API}/repos/{slug}/pulls/{number}", headers=headers, timeout=20).json()
        kind = pr["title"].split(":", 1)[0].split("(")[0].strip()
        grouped.setdefault(SECTIONS.get(kind, "Other"), []).append(
            f"- {pr['title']} (#{number}, @{pr['user']['login']})"
        )
    for section in ("Added", "Changed", "Fixed", "Other"):
        if grouped.get(section):
            print(f"### {section}\n")
            print("\n".join(grouped[section]) + "\n")


if __name__ == "__main__":
    main()
