#!/usr/bin/env bash
# Apply migrations in a rolled-back transaction and show the schema diff.
set -euo pipefail

dir="${1:-migrations}"
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://postgres:postgres@localhost:5432/app_dev}"

before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT

pg_dump --schema-only --no-owner "$DATABASE_URL" > "$before"

{
  echo "BEGIN;"
  echo "SET lock_timeout = '2s';"
  for f in "$dir"/*.sql; do
    echo "\\echo applying $f"
    cat "$f"
  done
  echo "\\o $after"
  echo "ROLLBACK;"
} | psql "$DATABASE_URL" -v ON_ERROR_STOP=1 --quiet

# Re-apply for real in a scratch database to capture the resulting schema.
scratch="migcheck_$$"
psql "$DATABASE_URL" -c "CREATE DATABASE $scratch TEMPLATE template0;" >/dev/null
scratch_url="${DATABASE_URL%/*}/$scratch"
pg_dump --schema-only --no-owner "$DATABASE_URL" | psql "$scratch_url" --quiet >/dev/null
for f in "$dir"/*.sql; do
  psql "$scratch_url" -v ON_ERROR_STOP=1 --quiet -f "$f"
done
pg_dump --schema-only --no-owner "$scratch_url" > "$after"
psql "$DATABASE_URL" -c "DROP DATABASE $scratch;" >/dev/null

diff -u "$before" "$after" || true
