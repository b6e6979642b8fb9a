"""Print one total (words, lines or chars) over the .txt files of a folder."""

import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("words", "lines", "chars"):
        print("usage: count.py words|lines|chars FOLDER", file=sys.stderr)
        return 2
    kind, folder = sys.argv[1], Path(sys.argv[2])
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    count = {
        "words": sum(len(t.split()) for t in texts),
        "lines": sum(len(t.splitlines()) for t in texts),
        "chars": sum(len(t) for t in texts),
    }[kind]
    print(f"{kind}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
