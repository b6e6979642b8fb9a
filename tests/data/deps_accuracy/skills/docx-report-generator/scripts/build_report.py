#!/usr/bin/env python3
"""build_report.py OUTLINE.yaml OUT.docx"""

import datetime
import sys
from pathlib import Path

import docx
import yaml
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from tables import load_rows


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%"))
        return True
    except ValueError:
        return False


def build(outline: dict, base: Path) -> docx.Document:
    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)

    title = doc.add_heading(outline["title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = doc.add_paragraph(
        f"{outline.get('period', '')} · {outline.get('author', '')} · "
        f"generated {datetime.date.today().isoformat()}"
    )
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for section in outline.get("sections", []):
        doc.add_heading(section["heading"], level=1)
        for bullet in section.get("bullets", []):
            doc.add_paragraph(bullet, style="List Bullet")
        if "table" in section:
            rows = load_rows(base / section["table"])
            if not rows:
                continue
            table = doc.add_table(rows=0, cols=len(rows[0]))
            table.style = "Light Grid Accent 1"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for row in rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row):
                    cell.text = value
                    if is_number(value):
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return doc


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    outline_path, out = Path(sys.argv[1]), sys.argv[2]
    outline = yaml.safe_load(outline_path.read_text(encoding="utf-8"))
    build(outline, outline_path.parent).save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
