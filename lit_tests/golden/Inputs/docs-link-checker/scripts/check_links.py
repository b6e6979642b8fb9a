#!/usr/bin/env python3
"""List or check the external links of a folder of Markdown files."""

import argparse
import re
import urllib.error
import urllib.request
from pathlib import Path

URL = re.compile(r"https?://[^\s)>\"'`]+")


def links(root: Path):
    for path in sorted(root.rglob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in URL.finditer(line):
                yield path, number, match.group(0).rstrip(".,;")


def status(url: str, timeout: float = 10.0) -> str:
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "link-check"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return str(response.status)
        except urllib.error.HTTPError as err:
            if err.code == 405 and method == "HEAD":
                continue
            return str(err.code)
        except (urllib.error.URLError, TimeoutError) as err:
            return f"error: {getattr(err, 'reason', err)}"
    return "error: no answer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--list", action="store_true", help="only list the links")
    parser.add_argument("--report", type=Path, help="write broken links to this Markdown file")
    args = parser.parse_args()

    broken = []
    for path, line, url in links(args.root):
        if args.list:
            print(f"{path}:{line}: {url}")
            continue
        code = status(url)
        if not code.startswith(("2", "3")) and code != "429":
            broken.append((path, line, url, code))
    if args.report:
        rows = ["| file | line | URL | status |", "| --- | --- | --- | --- |"]
        rows += [f"| {p} | {n} | {u} | {c} |" for p, n, u, c in broken]
        args.report.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for path, line, url, code in broken:
        print(f"{path}:{line}: {code} {url}")


if __name__ == "__main__":
    main()
