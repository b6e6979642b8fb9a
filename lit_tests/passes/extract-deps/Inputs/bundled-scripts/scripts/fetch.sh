#!/usr/bin/env bash
set -euo pipefail
curl -fsSL "$FETCH_URL" -o data.json
jq '.items' data.json
