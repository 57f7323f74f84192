#!/usr/bin/env bash
# The README's first hour on a fresh clone: with port 4010 taken, `bash scripts/run.sh demo` must
# still succeed on another port; with a .env copied from .env.example the demo must stay on the
# embedded PGlite store; `leadstage sandbox` on the taken port must say so; and the demo workspace
# must sync against a sandbox on another port. The clone reuses this tree's installed
# node_modules (a symlink) instead of downloading them again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh >/dev/null
root=$(pwd)
if ! cmp -s package-lock.json node_modules/.leadstage-lock; then
  echo "first-hour: node_modules does not match package-lock.json; run npm ci (.ci/run does) first" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/leadstage-first-hour.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "first-hour: $1" >&2
  [ -f "$2" ] && sed 's/^/  | /' "$2" >&2
  exit 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

git clone -q "$root" "$work/leadstage"
cd "$work/leadstage"
ln -s "$root/node_modules" node_modules
[ -d "$root/.tools" ] && ln -s "$root/.tools" .tools
# A newcomer's shell: none of this machine's store, queue or data settings.
newcomer() { env -u DATABASE_URL -u REDIS_URL -u LEADSTAGE_DATA_DIR -u LEADSTAGE_ENCRYPTION_KEY "$@"; }

# Take port 4010 (or find it already taken: busy either way).
node -e 'require("node:net").createServer().listen(4010, "127.0.0.1")' 2>/dev/null &
pids+=($!)
for _ in $(seq 1 50); do port_open 4010 && break; sleep 0.1; done
port_open 4010 || fail "could not occupy port 4010" /dev/null

# 1. The README's demo command, as written.
newcomer timeout 600 bash scripts/run.sh demo >"$work/demo.log" 2>&1 || fail "bash scripts/run.sh demo failed" "$work/demo.log"
grep -q '^leadstage demo: store PGlite in \.data' "$work/demo.log" || fail "the demo did not use PGlite in .data" "$work/demo.log"
grep -q '^Port 4010 is busy: sandboxes listening on http://127\.0\.0\.1:[0-9]* (Salesforce on http://127\.0\.0\.1:[0-9]*) instead$' "$work/demo.log" ||
  fail "the demo did not say it moved off the busy port 4010" "$work/demo.log"
grep -q '^Done in ' "$work/demo.log" || fail "the demo did not finish" "$work/demo.log"
echo "first-hour: demo ran on another port while 4010 was busy"

# 2. `leadstage sandbox --port 4010` says the port is in use and exits non-zero.
if newcomer timeout 60 node src/cli.ts sandbox --port 4010 >"$work/busy.log" 2>&1; then
  fail "leadstage sandbox --port 4010 succeeded on a busy port" "$work/busy.log"
fi
grep -q 'port 4010 on 127.0.0.1 is already in use' "$work/busy.log" ||
  fail "leadstage sandbox --port 4010 did not say the port is in use" "$work/busy.log"
echo "first-hour: leadstage sandbox on the busy port says so"

# 3. The demo workspace syncs against `leadstage sandbox` on another port.
newcomer node src/cli.ts sandbox --port 0 --contacts 200 >"$work/sandbox.log" 2>&1 &
pids+=($!)
url=
for _ in $(seq 1 300); do
  # "sandboxes listening on URL and SALESFORCE_URL": Salesforce has its own port, found from URL.
  url=$(sed -n 's/^sandboxes listening on \(http:[^ ]*\) and http:[^ ]*$/\1/p' "$work/sandbox.log")
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || fail "leadstage sandbox did not start" "$work/sandbox.log"
newcomer timeout 300 node src/cli.ts sync --workspace demo --dry-run --sandbox "$url" >"$work/sync.log" 2>&1 ||
  fail "sync --workspace demo --sandbox $url failed" "$work/sync.log"
grep -q "^now using the sandbox: hubspot $url/hubspot$" "$work/sync.log" || fail "the sync did not say which sandbox it used" "$work/sync.log"
grep -q '^dry run of demo' "$work/sync.log" || fail "the dry run printed no summary" "$work/sync.log"
echo "first-hour: the demo workspace synced against the sandbox at $url"

# 4. A .env made from .env.example keeps the embedded store.
cp .env.example .env
newcomer timeout 600 bash scripts/run.sh demo --contacts 300 >"$work/demo-env.log" 2>&1 ||
  fail "the demo failed with .env from .env.example" "$work/demo-env.log"
grep -q '^leadstage demo: store PGlite in \.data' "$work/demo-env.log" ||
  fail "with .env from .env.example the demo left the embedded store" "$work/demo-env.log"
echo "first-hour: with .env from .env.example the demo stays on PGlite"
