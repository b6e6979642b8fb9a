#!/usr/bin/env python3
"""Convert a short video clip to an optimised GIF using ffmpeg's palettegen/paletteuse."""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out)["format"]["duration"])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("src", type=Path)
    p.add_argument("dest", type=Path)
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--fps", type=int, default=12)
    args = p.parse_args()
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not found on PATH", file=sys.stderr)
        return 2
    if duration(args.src) > 15:
        print("warning: clip is longer than 15 s; the GIF will be large", file=sys.stderr)
    filters = f"fps={args.fps},scale={args.width}:-1:flags=lanczos"
    with tempfile.TemporaryDirectory() as tmp:
        palette = Path(tmp) / "palette.png"
        subprocess.run(
            ["ffmpeg", "-y", "-v", "error", "-i", str(args.src), "-vf", f"{filters},palettegen", str(palette)],
            check=True,
        )
        subprocess.run(
            ["ffmpeg", "-y", "-v", "error", "-i", str(args.src), "-i", str(palette),
             "-lavfi", f"{filters}[x];[x][1:v]paletteuse", str(args.dest)],
            check=True,
        )
    print(f"wrote {args.dest} ({args.dest.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
