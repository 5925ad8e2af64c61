#!/usr/bin/env bash
# Installs Debian's `redis-server` package for the shared claims tier tests (test/claims/shared/),
# when it is missing. Called by `npm test`; a second run installs nothing. The tests start their own
# redis-server on a free loopback port with a temporary directory; the package's system service is
# not used (and is stopped when this script installs it, so nothing listens on 6379 because of us).
#
# Not root and no redis-server: prints how to install it and exits 0; the shared-tier tests then
# skip (and fail under CI=true, where this script runs as root and must have installed it).
set -euo pipefail

bin="${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}"
if [[ -x "$bin" ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "install-redis: redis-server is missing; install it as root (apt-get install redis-server) to run the shared claims tier tests" >&2
  exit 0
fi

t0=$(date +%s)
step() { printf 'install-redis: %s (+%ds)\n' "$*" "$(( $(date +%s) - t0 ))" >&2; }
log="$(mktemp "${TMPDIR:-/tmp}/install-redis.XXXXXX")"
trap 'rm -f "$log"' EXIT
fail() { echo "install-redis: $1; last lines of its output:" >&2; tail -n 30 "$log" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
step "apt-get update"
apt-get update -qq >"$log" 2>&1 || fail "apt-get update failed"
step "apt-get install redis-server (Debian's package, a few MB; once per machine)"
# A policy-rc.d answering 101 keeps apt from starting the system service (only when none exists).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1; fi
status=0
apt-get install -y -q --no-install-recommends redis-server >>"$log" 2>&1 || status=$?
[[ $own_policy == 1 ]] && rm -f "$policy"
[[ $status == 0 ]] || fail "apt-get install redis-server failed"
bin="$(command -v redis-server || echo /usr/bin/redis-server)"
[[ -x "$bin" ]] || fail "redis-server was installed but is not on PATH"
step "done: $("$bin" --version 2>/dev/null | head -c 80)"
