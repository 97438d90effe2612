#!/usr/bin/env bash
# The benchmark command: Reticent against rrweb (defaults and strict privacy) and a
# no-recorder baseline in headless Chromium. Installs what is missing (the tools of
# scripts/ensure-tools.sh, bench/'s npm packages), builds js/dist when it is missing,
# runs bench/run.mjs, and writes docs/benchmarks.md, docs/benchmarks.svg and
# bench/results/latest.json. Not part of the tests: the figures depend on the machine.
#
#   bash scripts/bench.sh
#   BENCH_ROUNDS=3 BENCH_SECONDS=10 BENCH_SOAK_SECONDS=0 bash scripts/bench.sh   # quicker
#   BENCH_SOAK_SECONDS=600 bash scripts/bench.sh                                  # 10-minute memory soak
#
# Environment: BENCH_ROUNDS (5), BENCH_SECONDS (20), BENCH_SOAK_SECONDS (90),
# BENCH_SOAK_CONFIGS (reticent,rrweb-strict), BENCH_CONFIGS (all), CHROMIUM_PATH,
# BENCH_DRY=1 (a trial: results and report go to bench/.build/, docs/ untouched),
# SKIP_ENSURE_TOOLS=1 (skip scripts/ensure-tools.sh), BENCH_REBUILD=1 (rebuild js/dist).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="${CARGO_HOME:-${HOME:-/root}/.cargo}/bin:$PATH"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

say() { printf 'bench: %s\n' "$*"; }

if [ "${SKIP_ENSURE_TOOLS:-}" != 1 ]; then
    bash scripts/ensure-tools.sh
fi

# bench/'s own packages (playwright-core, @rrweb/record, fflate, esbuild), pinned in its lock file.
stamp_file=bench/node_modules/.reticent-bench-stamp
stamp="$(sha256sum bench/package-lock.json | awk '{print $1}') node-$(node --version)"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    say "npm deps in bench/: up to date with package-lock.json"
else
    say "npm deps in bench/: npm ci"
    (cd bench && npm ci --no-audit --no-fund)
    printf '%s\n' "$stamp" >"$stamp_file"
fi

if [ "${BENCH_REBUILD:-}" = 1 ] || [ ! -f js/dist/reticent.js ] || [ ! -f js/pkg/reticent_bg.wasm ]; then
    say "building js/dist (node js/build.mjs)"
    node js/build.mjs
else
    say "js/dist present (BENCH_REBUILD=1 rebuilds it)"
fi

# twiggy (for "Where the bytes go") is optional: the report says so when it is missing.
command -v twiggy >/dev/null || say "twiggy not found: the report will list wasm sections only (cargo install twiggy)"

say "running bench/run.mjs (rounds ${BENCH_ROUNDS:-5}, ${BENCH_SECONDS:-20} s of activity per run, soak ${BENCH_SOAK_SECONDS:-90} s)"
node bench/run.mjs
