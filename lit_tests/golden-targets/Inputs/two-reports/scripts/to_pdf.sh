#!/usr/bin/env bash
# Convert one Markdown file to PDF next to it.
set -euo pipefail
pandoc "$1" -o "${1%.md}.pdf"
