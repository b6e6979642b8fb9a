#!/usr/bin/env python3
"""Static and catalog checks for pending Postgres migrations."""

import os
import sys
from pathlib import Path

import psycopg

from rules import RULES

BIG_TABLE_ROWS = 1_000_000


def big_tables() -> set[str]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL not set; skipping table-size checks", file=sys.stderr)
        return set()
    with psycopg.connect(url, connect_timeout=5) as conn:
        rows = conn.execute(
            "select relname from pg_class where relkind = 'r' and reltuples > %s",
            (BIG_TABLE_ROWS,),
        ).fetchall()
    return {r[0] for r in rows}


def main(folder: str) -> int:
    large = big_tables()
    findings = 0
    for path in sorted(Path(folder).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if "lock_timeout" not in text:
            print(f"{path}:1: missing-lock-timeout")
            findings += 1
        for number, line in enumerate(text.splitlines(), 1):
            for name, pattern in RULES:
                if pattern.search(line):
                    hot = any(t in line for t in large)
                    print(f"{path}:{number}: {name}{' (large table)' if hot else ''}")
                    findings += 1
    print(f"{findings} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "migrations"))
