#!/usr/bin/env bash
# The demo: installs what is missing, builds the JS package and the `reticent` binary, then runs
# the collector on http://127.0.0.1:${PORT:-8787} with
#   - the demo shop (examples/demo-site) under /demo/, recording to data/demo.sqlite,
#   - the replay viewer under /viewer/ (its token: data/demo.sqlite.viewer-token).
# The binary is a debug build: it compiles in a fraction of a release build's time and is
# plenty for a demo. Idempotent (the database and the token are reused); Ctrl-C stops it.
# SKIP_ENSURE_TOOLS=1 skips scripts/ensure-tools.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-${HOME:-/root}/.cargo}/bin:$PATH"
PORT="${PORT:-8787}"
# Must match SITE_KEY in examples/demo-site/reticent-setup.js.
SITE_KEY="pk_demo_maison_lumen"
DB="data/demo.sqlite"

say() { printf 'demo: %s\n' "$*"; }
die() {
    printf 'demo: error: %s\n' "$*" >&2
    exit 1
}

case "$PORT" in
'' | *[!0-9]*) die "PORT must be a port number, got '$PORT'" ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "PORT must be 1 to 65535, got $PORT"
fi

if [ "${SKIP_ENSURE_TOOLS:-0}" = 1 ]; then
    say "skipping scripts/ensure-tools.sh (SKIP_ENSURE_TOOLS=1)"
else
    bash scripts/ensure-tools.sh
fi
[ -f viewer/node_modules/rrweb-player/dist/rrweb-player.umd.min.cjs ] ||
    die "the viewer's rrweb-player is not installed: run npm ci --prefix viewer"

# The demo shop's consent manager, tarteaucitron, comes from npm (a devDependency of tests/,
# installed by scripts/ensure-tools.sh): copied next to the site, under vendor/ (gitignored),
# because tarteaucitron loads its lang/ and css/ files relative to its own script.
TAC_SRC="tests/node_modules/tarteaucitronjs"
TAC_DST="examples/demo-site/vendor/tarteaucitron"
[ -f "$TAC_SRC/tarteaucitron.js" ] ||
    die "tarteaucitron is not installed: run npm ci --prefix tests (scripts/ensure-tools.sh does)"
say "copying tarteaucitron $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$TAC_SRC/package.json") to $TAC_DST"
rm -rf "$TAC_DST"
mkdir -p "$TAC_DST"
cp -R "$TAC_SRC/tarteaucitron.js" "$TAC_SRC/tarteaucitron.services.js" "$TAC_SRC/LICENSE" \
    "$TAC_SRC/lang" "$TAC_SRC/css" "$TAC_DST/"

say "building the JS package (cd js && npm run build)"
(cd js && npm run build)
[ -s js/dist/reticent.js ] || die "js/dist/reticent.js was not built"

say "building the reticent binary (cargo build -p reticent-server, debug)"
cargo build -p reticent-server

mkdir -p "$(dirname "$DB")"
OUT="$(mktemp "${TMPDIR:-/tmp}/reticent-demo.XXXXXX")"
say "starting reticent serve on 127.0.0.1:$PORT (Ctrl-C to stop)"
target/debug/reticent serve \
    --db "$DB" \
    --listen "127.0.0.1:$PORT" \
    --site "demo:$SITE_KEY:http://127.0.0.1:$PORT,http://localhost:$PORT" \
    --demo-dir examples/demo-site \
    --viewer-dir viewer >"$OUT" &
PID=$!

# shellcheck disable=SC2317 # invoked by the trap below
stop() {
    trap - INT TERM
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    rm -f "$OUT"
    exit 130
}
trap stop INT TERM
trap 'rm -f "$OUT"' EXIT

# The collector's first stdout line says it listens; it exits 1 when it cannot (port taken).
for _ in $(seq 1 200); do
    grep -q '^listening on ' "$OUT" && break
    if ! kill -0 "$PID" 2>/dev/null; then
        status=0
        wait "$PID" || status=$?
        die "reticent serve stopped (exit $status); is port $PORT taken? Try PORT=8788 bash scripts/demo.sh"
    fi
    sleep 0.1
done
grep -q '^listening on ' "$OUT" || die "reticent serve did not start within 20 s"

TOKEN="$(cat "$DB.viewer-token")"
cat <<MSG

  Demo shop:   http://127.0.0.1:$PORT/demo/
               accept the banner, browse, type into the forms (everything is masked)
  Viewer:      http://127.0.0.1:$PORT/viewer/?token=$TOKEN
               (token in $DB.viewer-token)
  Sessions:    target/debug/reticent sessions --db $DB

MSG

status=0
wait "$PID" || status=$?
exit "$status"
