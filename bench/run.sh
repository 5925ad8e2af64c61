#!/usr/bin/env bash
# `npm run bench [-- --quick]` from the repository root lands here. Installs what is missing (the
# root's node_modules with the pinned Node 24, bench/node_modules, the pinned OPA, the policy
# bundle), then runs the harness with Node 24. wrk is used when installed (as root:
# apt-get install -y wrk); otherwise autocannon from bench/node_modules generates the load.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
cd "$root"
if [[ ! -x node_modules/.bin/node ]]; then
  echo "bench: installing the project's dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
if [[ ! -d bench/node_modules/autocannon ]]; then
  echo "bench: installing the benchmark's dependencies (bench/: npm ci)" >&2
  (cd bench && npm ci --no-audit --no-fund >&2)
fi
# The stock OPA peer runs in most scenarios: build-policies.sh installs OPA only when a bundle needs building, so a
# fresh clone with current bundles would have none.
bash scripts/install-opa.sh
bash scripts/build-policies.sh
command -v wrk >/dev/null 2>&1 || echo "bench: wrk is not installed; using autocannon (apt-get install -y wrk for the reference setup)" >&2
exec "$root/node_modules/.bin/node" "$bench/src/run.ts" "$@"
