#!/usr/bin/env python3
"""Resize every image under --src into --dest."""

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from utils import iter_images, write_report

FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def sharpen(img: Image.Image) -> Image.Image:
    arr = cv2.cvtColor(np.asarray(img.convert("RGB")), cv2.COLOR_RGB2BGR)
    blur = cv2.GaussianBlur(arr, (0, 0), 1.0)
    arr = cv2.addWeighted(arr, 1.5, blur, -0.5, 0)
    return Image.fromarray(cv2.cvtColor(arr, cv2.COLOR_BGR2RGB))


def process(job):
    src, dest, args = job
    with Image.open(src) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((args.max, args.max), Image.Resampling.LANCZOS)
        if args.sharpen:
            img = sharpen(img)
        fmt = FORMATS.get(args.format) or img.format or "JPEG"
        out = dest / (src.stem + "." + fmt.lower().replace("jpeg", "jpg"))
        out.parent.mkdir(parents=True, exist_ok=True)
        params = {"quality": args.quality}
        if not args.strip and "exif" in img.info:
            params["exif"] = img.info["exif"]
        if fmt == "JPEG" and img.mode in ("RGBA", "P"):
            img = img.convert("RGB")
        img.save(out, fmt, **params)
        return str(src), str(out), src.stat().st_size, out.stat().st_size, f"{img.width}x{img.height}"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--src", type=Path, required=True)
    p.add_argument("--dest", type=Path, required=True)
    p.add_argument("--max", type=int, default=1024)
    p.add_argument("--format", choices=sorted(FORMATS))
    p.add_argument("--quality", type=int, default=85)
    p.add_argument("--strip", action="store_true")
    p.add_argument("--sharpen", action="store_true")
    p.add_argument("--workers", type=int, default=None)
    args = p.parse_args()
    jobs = [(src, args.dest, args) for src in iter_images(args.src)]
    if not jobs:
        print("no images found", file=sys.stderr)
        return 1
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        rows = list(pool.map(process, jobs))
    write_report(rows, args.dest.parent / "resize-report.csv")
    for row in rows:
        print(f"{row[0]} -> {row[1]} ({row[2] // 1024} KiB -> {row[3] // 1024} KiB, {row[4]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
