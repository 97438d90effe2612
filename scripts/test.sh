#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check, stopping at the first
# failure, and prints a summary.
#
#   bash scripts/test.sh              # everything (what CI runs)
#   bash scripts/test.sh js e2e       # only the named steps (tools are still ensured)
#
# Steps: fmt clippy clippy-wasm test wasm-test js e2e
# Environment: SKIP_ENSURE_TOOLS=1 skips scripts/ensure-tools.sh (for quick local reruns).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PATH="${CARGO_HOME:-${HOME:-/root}/.cargo}/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# wasm-bindgen-test's default timeout (20 s) is short for a loaded 2-core machine.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# CI builds from scratch once: incremental compilation only costs time and disk there.
if [ "${CI:-}" = true ]; then
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

ALL_STEPS=(fmt clippy clippy-wasm test wasm-test js e2e)
if [ "$#" -gt 0 ]; then
    for s in "$@"; do
        case " ${ALL_STEPS[*]} " in
        *" $s "*) ;;
        *)
            echo "test.sh: unknown step '$s' (steps: ${ALL_STEPS[*]})" >&2
            exit 2
            ;;
        esac
    done
    SELECTED=("$@")
else
    SELECTED=("${ALL_STEPS[@]}")
fi

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/reticent-test.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

T0=$SECONDS
SUMMARY=()

print_summary() {
    echo
    echo "=================== summary ==================="
    local line
    for line in "${SUMMARY[@]}"; do
        echo "  $line"
    done
    echo "  total: $((SECONDS - T0)) s"
    echo "==============================================="
}

# step NAME DESCRIPTION COMMAND...: prints a header, runs the command in a subshell with
# `set -e` in force, records the outcome; on failure prints the summary and exits.
step() {
    local name="$1" desc="$2"
    shift 2
    case " ${SELECTED[*]} " in
    *" $name "*) ;;
    *) return 0 ;;
    esac
    echo
    echo "=== [$name] $desc"
    local start=$SECONDS rc=0
    set +e
    (
        set -euo pipefail
        "$@"
    )
    rc=$?
    set -e
    local took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("ok    ${took}s	$name: $desc")
    else
        SUMMARY+=("FAIL  ${took}s	$name: $desc (exit $rc)")
        print_summary
        echo "test.sh: FAILED at step '$name'" >&2
        exit "$rc"
    fi
}

# Fails when a test runner's log shows no test executed (a step that cannot fail is worse
# than none). $1: log file, $2: extended regexp capturing the count as its last number.
require_tests_ran() {
    local log="$1" pattern="$2" total=0 n
    while IFS= read -r n; do
        total=$((total + n))
    done < <(grep -Eo "$pattern" "$log" | grep -Eo '[0-9]+$' || true)
    if [ "$total" -eq 0 ]; then
        echo "test.sh: no test ran (no line matching /$pattern/ with a non-zero count)" >&2
        return 1
    fi
    echo "test.sh: $total tests passed in this step"
}

target_dir() {
    cargo metadata --format-version 1 --no-deps |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))'
}

# --- steps -------------------------------------------------------------------------------
run_fmt() { cargo fmt --all --check; }

run_clippy() { cargo clippy --workspace --all-targets -- -D warnings; }

run_clippy_wasm() {
    # The server crate is native-only; everything else must also build for the browser.
    cargo clippy --workspace --exclude reticent-server --all-targets \
        --target wasm32-unknown-unknown -- -D warnings
}

run_cargo_test() {
    cargo test --workspace 2>&1 | tee "$LOG_DIR/cargo-test.log"
    require_tests_ran "$LOG_DIR/cargo-test.log" 'test result: ok\. [0-9]+'
}

run_wasm_test() {
    cd crates/reticent-wasm
    cargo test --target wasm32-unknown-unknown 2>&1 | tee "$LOG_DIR/wasm-test.log"
    require_tests_ran "$LOG_DIR/wasm-test.log" 'test result: ok\. [0-9]+'
}

run_js() {
    cd js
    echo "--- npm run typecheck"
    npm run typecheck
    echo "--- npm test"
    npm test
    echo "--- npm run build"
    npm run build
    local f
    for f in reticent.mjs slim.mjs reticent.js reticent_bg.wasm; do
        [ -s "dist/$f" ] || {
            echo "test.sh: js/dist/$f missing or empty after the build" >&2
            return 1
        }
    done
}

run_e2e() {
    echo "--- cargo build -p reticent-server"
    cargo build -p reticent-server
    RETICENT_BIN="$(target_dir)/debug/reticent"
    export RETICENT_BIN
    [ -x "$RETICENT_BIN" ] || {
        echo "test.sh: $RETICENT_BIN was not built" >&2
        return 1
    }
    [ -s js/dist/reticent.js ] || {
        echo "test.sh: js/dist/reticent.js missing: the e2e tests need the 'js' step's build" >&2
        return 1
    }
    echo "--- node --test tests/e2e/ tests/privacy/ tests/fidelity/ tests/transport/ tests/packaging/"
    local files=(tests/e2e/*.test.mjs tests/privacy/*.test.mjs tests/fidelity/*.test.mjs tests/transport/*.test.mjs tests/packaging/*.test.mjs)
    local f
    for f in "${files[@]}"; do
        [ -e "$f" ] || {
            echo "test.sh: no test files match $f" >&2
            return 1
        }
    done
    # A test that hangs fails after 20 minutes instead of holding CI until its own limit
    # (the longest, RETICENT_LONG=1's 10-minute session, fits).
    node --test --test-reporter=tap --test-timeout=1200000 "${files[@]}" 2>&1 | tee "$LOG_DIR/e2e.log"
    require_tests_ran "$LOG_DIR/e2e.log" '^# pass [0-9]+'
}

# --- run ---------------------------------------------------------------------------------
if [ "${SKIP_ENSURE_TOOLS:-0}" = 1 ]; then
    echo "=== [tools] skipped (SKIP_ENSURE_TOOLS=1)"
else
    echo "=== [tools] scripts/ensure-tools.sh"
    start=$SECONDS
    bash scripts/ensure-tools.sh
    SUMMARY+=("ok    $((SECONDS - start))s	tools: scripts/ensure-tools.sh")
fi

echo "=== [versions] $(rustc --version) | node $(node --version) | npm $(npm --version 2>/dev/null) | $(wasm-bindgen --version 2>/dev/null || echo 'wasm-bindgen: none') | $("$CHROMIUM_PATH" --version 2>/dev/null || echo 'chromium: none')"

step fmt "cargo fmt --all --check" run_fmt
step clippy "cargo clippy --workspace --all-targets -- -D warnings" run_clippy
step clippy-wasm "cargo clippy --workspace --exclude reticent-server --all-targets --target wasm32-unknown-unknown -- -D warnings" run_clippy_wasm
step test "cargo test --workspace" run_cargo_test
step wasm-test "wasm-bindgen-test in headless Chromium (crates/reticent-wasm)" run_wasm_test
step js "js/: npm run typecheck && npm test && npm run build" run_js
step e2e "end to end: cargo build -p reticent-server; node --test tests/{e2e,privacy,fidelity,transport,packaging}/" run_e2e

print_summary
echo "test.sh: all ${#SELECTED[@]} selected steps passed"
