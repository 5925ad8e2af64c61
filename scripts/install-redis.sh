#!/usr/bin/env bash
# Installs Debian's `redis-server` package for the shared claims tier tests (test/claims/shared/) and
# `npm run fleet`, when it is missing. Called by `npm test`; a second run installs nothing. The tests start
# their own redis-server on a free loopback port with a temporary directory; the package's system service is
# not started. Not root: says how to install it; the shared-tier tests then skip (and fail under CI=true).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-packages.sh"
bin="${REDIS_SERVER:-/usr/bin/redis-server}"
install_debian_packages redis "[[ -x '$bin' ]] || command -v redis-server >/dev/null" "to run the shared claims tier tests" redis-server
