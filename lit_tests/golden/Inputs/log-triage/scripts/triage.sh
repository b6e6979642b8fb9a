#!/usr/bin/env bash
# Print the three triage tables for a directory of (possibly gzipped) .log files.
set -euo pipefail

src=${1:?usage: triage.sh LOG_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for f in "$src"/*; do
  case "$f" in
    *.gz) gunzip -c "$f" > "$work/$(basename "${f%.gz}")" ;;
    *.log) cp "$f" "$work/" ;;
  esac
done

echo "== errors per service"
grep -h ' ERROR ' "$work"/*.log | awk '{print $3}' | sort | uniq -c | sort -rn | head -20
echo "== failing endpoints"
grep -h ' ERROR ' "$work"/*.log | awk '{print $4, $5}' | sort | uniq -c | sort -rn | head -10
echo "== first occurrence"
grep -h ' ERROR ' "$work"/*.log | cut -d' ' -f6- | sort | uniq -c | sort -rn | head -3 |
  while read -r _ msg; do
    printf '%s: ' "$msg"
    grep -l -F -- "$msg" "$work"/*.log | xargs ls -tr | head -1
  done
