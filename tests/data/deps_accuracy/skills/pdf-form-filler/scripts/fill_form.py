#!/usr/bin/env python3
"""Fill a PDF form: fill_form.py IN.pdf VALUES.json OUT.pdf"""

import json
import sys
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from helpers import clean_name


def main(src: str, values_path: str, out: str) -> None:
    values = json.loads(Path(values_path).read_text(encoding="utf-8"))
    reader = PdfReader(src)
    writer = PdfWriter()
    writer.append(reader)
    known = {clean_name(n): n for n in (reader.get_fields() or {})}
    missing = [k for k in values if k not in known and k not in known.values()]
    if missing:
        sys.exit(f"unknown fields: {', '.join(missing)}")
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = NameObject("/true")
    with open(out, "wb") as fh:
        writer.write(fh)
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
