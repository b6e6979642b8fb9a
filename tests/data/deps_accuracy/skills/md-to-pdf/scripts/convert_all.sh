#!/usr/bin/env bash
# convert_all.sh SRC_DIR OUT_DIR -- convert every Markdown file under SRC_DIR to PDF
set -euo pipefail

src="${1:?source folder}"
out="${2:-pdf}"
mkdir -p "$out"

if ! command -v xelatex >/dev/null; then
  echo "xelatex not found; install texlive-xetex (Debian) or mactex-no-gui (macOS)" >&2
  exit 1
fi

failed=0
find "$src" -name '*.md' -print0 | while IFS= read -r -d '' file; do
  rel="${file#"$src"/}"
  target="$out/${rel%.md}.pdf"
  mkdir -p "$(dirname "$target")"
  if pandoc "$file" -o "$target" --pdf-engine=xelatex --toc \
      --resource-path="$(dirname "$file")" -V mainfont="DejaVu Serif"; then
    echo "ok   $rel"
  else
    echo "FAIL $rel" >&2
    failed=$((failed + 1))
  fi
done
exit "$failed"
