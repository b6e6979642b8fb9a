#!/usr/bin/env bash
# bump_version.sh X.Y.Z -- write the version, commit, and create an annotated tag
set -euo pipefail

new="${1:?usage: bump_version.sh X.Y.Z}"
if ! [[ "$new" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "not a semantic version: $new" >&2
  exit 1
fi

root=$(git rev-parse --show-toplevel)
cd "$root"

if [ -f package.json ]; then
  old=$(jq -r .version package.json)
  tmp=$(mktemp)
  jq --arg v "$new" '.version = $v' package.json > "$tmp" && mv "$tmp" package.json
  git add package.json
elif [ -f pyproject.toml ]; then
  old=$(grep -m1 '^version = ' pyproject.toml | cut -d'"' -f2)
  sed -i.bak "s/^version = \".*\"/version = \"$new\"/" pyproject.toml && rm pyproject.toml.bak
  git add pyproject.toml
else
  echo "no package.json or pyproject.toml found" >&2
  exit 1
fi

git add CHANGELOG.md
git commit -m "chore(release): v$new"
git tag -a "v$new" -m "v$new"
echo "bumped $old -> $new and tagged v$new"
