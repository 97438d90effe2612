#!/usr/bin/env bash
# Installs (idempotently) every tool the build and the tests need:
#   - the wasm32-unknown-unknown Rust target,
#   - the wasm-bindgen CLI at exactly the version of the `wasm-bindgen` crate in Cargo.lock,
#   - Debian's Chromium and ChromeDriver (headless browser tests),
#   - the npm dependencies of js/, tests/ and viewer/ (npm ci, skipped while the lock file is
#     unchanged; viewer/ holds the replay viewer's rrweb-player).
# Each step prints one line; a step that is already satisfied says so and does nothing.
# Long installs log to a file and print its tail only if they fail.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PATH="${CARGO_HOME:-${HOME:-/root}/.cargo}/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/reticent-ensure.XXXXXX")"
trap 'rm -rf "$LOG_DIR"' EXIT

say() { printf 'ensure-tools: %s\n' "$*"; }
die() {
    printf 'ensure-tools: error: %s\n' "$*" >&2
    exit 1
}

# Runs a noisy command with its output in a log; on failure shows the end of the log.
quietly() {
    local log="$LOG_DIR/$1.log"
    shift
    if ! "$@" >"$log" 2>&1; then
        printf 'ensure-tools: command failed: %s\n--- last lines of its output ---\n' "$*" >&2
        tail -n 60 "$log" >&2
        exit 1
    fi
}

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup first)"
command -v rustup >/dev/null || die "rustup not found (the wasm32 target is added with rustup)"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"

# --- 1. wasm32 target ------------------------------------------------------------------
if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    say "rust target wasm32-unknown-unknown: already installed"
else
    say "rust target wasm32-unknown-unknown: installing (rustup target add)"
    quietly rustup-target rustup target add wasm32-unknown-unknown
fi

# --- 2. wasm-bindgen CLI (same version as the crate) -------------------------------------
lock_versions() {
    # Every version of the package named "wasm-bindgen" (not -macro, -shared, ...) in Cargo.lock.
    awk '
        /^\[\[package\]\]/ { in_wb = 0 }
        /^name = "wasm-bindgen"$/ { in_wb = 1 }
        in_wb && /^version = "/ { gsub(/^version = "|"$/, ""); print; in_wb = 0 }
    ' Cargo.lock | sort -u
}
if [ ! -f Cargo.lock ]; then
    say "Cargo.lock missing: generating it (cargo generate-lockfile)"
    quietly generate-lockfile cargo generate-lockfile
fi
WB_VERSIONS="$(lock_versions)"
if [ -z "$WB_VERSIONS" ]; then
    # A lock file that predates the dependency: let cargo add the missing entries.
    say "wasm-bindgen not in Cargo.lock yet: resolving (cargo metadata)"
    quietly cargo-metadata cargo metadata --format-version 1
    WB_VERSIONS="$(lock_versions)"
fi
[ -n "$WB_VERSIONS" ] || die "no package \"wasm-bindgen\" in Cargo.lock: cannot tell which wasm-bindgen CLI to install"
[ "$(printf '%s\n' "$WB_VERSIONS" | wc -l)" -eq 1 ] ||
    die "several versions of wasm-bindgen in Cargo.lock ($(echo "$WB_VERSIONS" | tr '\n' ' ')): pin one"
WB_VERSION="$WB_VERSIONS"

installed_wb=""
if command -v wasm-bindgen >/dev/null && command -v wasm-bindgen-test-runner >/dev/null; then
    installed_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || installed_wb=""
fi
if [ "$installed_wb" = "$WB_VERSION" ]; then
    say "wasm-bindgen CLI $WB_VERSION: already installed"
else
    say "wasm-bindgen CLI $WB_VERSION: installing with cargo install (found: ${installed_wb:-none}; takes a few minutes)"
    quietly cargo-install cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
    installed_wb="$(wasm-bindgen --version | awk '{print $2}')"
    [ "$installed_wb" = "$WB_VERSION" ] || die "wasm-bindgen --version says $installed_wb after installing $WB_VERSION (is another one earlier on PATH?)"
fi

# --- 3. Chromium + ChromeDriver ------------------------------------------------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium + chromedriver: already installed"
else
    command -v apt-get >/dev/null || die "chromium missing and no apt-get to install it"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "chromium missing, not root and no sudo: cannot run apt-get"
        SUDO=(sudo)
    fi
    say "chromium + chromedriver: installing (apt-get update; apt-get install chromium chromium-driver)"
    # Wait for a dpkg lock held by a boot-time apt job instead of failing; retry once on a
    # transient network error.
    APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
    if ! "${APT[@]}" update >"$LOG_DIR/apt-update.log" 2>&1; then
        say "apt-get update failed once; retrying"
        quietly apt-update-retry "${APT[@]}" update
    fi
    apt_install() {
        "${APT[@]}" install -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            chromium chromium-driver
    }
    if ! apt_install >"$LOG_DIR/apt-install.log" 2>&1; then
        say "apt-get install failed once; retrying"
        quietly apt-install-retry apt_install
    fi
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        die "chromium installed but /usr/bin/chromium or /usr/bin/chromedriver is missing"
    fi
fi

# --- 4. npm dependencies -----------------------------------------------------------------
npm_ci_in() (cd "$1" && npm ci --no-audit --no-fund)
npm_deps() {
    local dir="$1"
    if [ ! -f "$dir/package.json" ]; then
        say "npm deps in $dir/: no package.json, skipped"
        return
    fi
    if [ ! -f "$dir/package-lock.json" ]; then
        say "npm deps in $dir/: no package-lock.json, skipped"
        return
    fi
    local stamp_file="$dir/node_modules/.reticent-ensure-stamp"
    local stamp
    stamp="$(sha256sum "$dir/package-lock.json" | awk '{print $1}') node-$(node --version)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
        say "npm deps in $dir/: up to date with package-lock.json"
        return
    fi
    say "npm deps in $dir/: npm ci"
    quietly "npm-ci-$(basename "$dir")" npm_ci_in "$dir"
    printf '%s\n' "$stamp" >"$stamp_file"
}
npm_deps js
npm_deps tests
npm_deps viewer

say "done"
