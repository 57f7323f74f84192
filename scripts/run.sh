#!/usr/bin/env bash
# The newcomer's entry point on a fresh machine: puts Node 22 on PATH (installing it into .tools/
# when the machine's node is older), installs the locked dependencies when they changed, then runs
# `npm run <script>`:  bash scripts/run.sh demo  |  bash scripts/run.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
stamp=node_modules/.leadstage-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
script="${1:-demo}"
shift || true
exec npm run --silent "$script" -- "$@"
