#!/usr/bin/env bash
# Cut many clips: clip_many.sh INPUT LIST OUTDIR
# LIST holds one clip per line: START END NAME (e.g. "00:01:00 00:01:20 intro")
set -euo pipefail

input="$1"
list="$2"
outdir="${3:-clips}"
mkdir -p "$outdir"

ext="${input##*.}"
count=0
while read -r start end name; do
  [ -z "$start" ] && continue
  case "$start" in \#*) continue ;; esac
  out="$outdir/$name.$ext"
  echo "cutting $name ($start -> $end)"
  ffmpeg -hide_banner -loglevel error -y -ss "$start" -to "$end" -i "$input" -c copy "$out"
  count=$((count + 1))
done < "$list"

echo "wrote $count clips to $outdir"
ls -lh "$outdir"
