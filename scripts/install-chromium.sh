#!/usr/bin/env bash
# Installs Debian's `chromium` package for the browser tests of the audit explorer
# (test/audit/explorer-browser.test.ts), when it is missing. Called by `npm test`; a second run
# installs nothing. The tests drive /usr/bin/chromium with puppeteer-core: no browser is ever
# downloaded from anywhere but Debian's package archive.
#
# Not root and no chromium: prints how to install it and exits 0; the browser test then skips
# (and fails under CI=true, where this script runs as root and must have installed it).
set -euo pipefail

bin="${CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$bin" ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "install-chromium: $bin is missing; install it as root (apt-get install chromium) to run the browser tests" >&2
  exit 0
fi

t0=$(date +%s)
step() { printf 'install-chromium: %s (+%ds)\n' "$*" "$(( $(date +%s) - t0 ))" >&2; }
log="$(mktemp "${TMPDIR:-/tmp}/install-chromium.XXXXXX")"
trap 'rm -f "$log"' EXIT
fail() { echo "install-chromium: $1; last lines of its output:" >&2; tail -n 30 "$log" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
step "apt-get update"
apt-get update -qq >"$log" 2>&1 || fail "apt-get update failed"
step "apt-get install chromium (Debian's package, about 100 MB with its libraries; once per machine)"
# --no-install-recommends keeps it to the browser and its libraries; fonts-liberation gives the
# screenshots readable text on a machine that has no fonts.
apt-get install -y -q --no-install-recommends chromium fonts-liberation >>"$log" 2>&1 || fail "apt-get install chromium failed"
[[ -x "$bin" ]] || fail "chromium was installed but $bin is missing"
step "done: $("$bin" --version 2>/dev/null || echo chromium)"
