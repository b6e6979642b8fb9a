#!/usr/bin/env python3
"""Print the fillable fields of a PDF form."""

import argparse
import json
import sys
from pathlib import Path

import pdfplumber
from pypdf import PdfReader

from helpers import field_summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    reader = PdfReader(str(args.pdf))
    fields = reader.get_fields() or {}
    if not fields:
        print("no AcroForm fields found (XFA form or flat PDF?)", file=sys.stderr)
        return 1
    if args.json:
        json.dump({k: str(v.get("/V", "")) for k, v in fields.items()}, sys.stdout, indent=2)
        return 0
    for name, field in fields.items():
        print(field_summary(name, field))
    if args.verbose:
        with pdfplumber.open(args.pdf) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                for annot in page.annots:
                    data = annot.get("data", {})
                    print(f"  page {number}: {data.get('T')} at {annot['x0']:.0f},{annot['top']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
