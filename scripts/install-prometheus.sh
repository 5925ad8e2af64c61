#!/usr/bin/env bash
# Installs Debian's `prometheus` package (the server and `promtool`) when missing: `npm run chaos` runs a
# real Prometheus that scrapes the sidecar and evaluates deploy/prometheus/authz-sidecar-rules.yml, and
# test/deploy/prometheus-rules.test.ts checks those rules with `promtool check rules`. A second run
# installs nothing. Only the binaries are used: the package's own service is not started by this script
# (the chaos run starts its own Prometheus on a free loopback port with a temporary data directory).
#
# Not root and no prometheus: prints how to install it and exits 0; the callers then say what they skip
# (and fail under CI=true, where this script runs as root and must have installed it).
set -euo pipefail

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "install-prometheus: prometheus/promtool are missing; install them as root (apt-get install prometheus)" >&2
  exit 0
fi
log="$(mktemp "${TMPDIR:-/tmp}/install-prometheus.XXXXXX")"
trap 'rm -f "$log"' EXIT
fail() { echo "install-prometheus: $1; last lines of its output:" >&2; tail -n 30 "$log" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "install-prometheus: apt-get install prometheus (Debian's package, about 100 MB; once per machine)" >&2
apt-get update -qq >"$log" 2>&1 || fail "apt-get update failed"
# policy-rc.d 101: the package must not start (or enable) its own prometheus service on this machine.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
apt-get install -y -q --no-install-recommends prometheus >>"$log" 2>&1 || { [[ $own_policy == 1 ]] && rm -f "$policy"; fail "apt-get install prometheus failed"; }
[[ $own_policy == 1 ]] && rm -f "$policy"
command -v promtool >/dev/null || fail "prometheus was installed but promtool is missing"
echo "install-prometheus: done: $(prometheus --version 2>&1 | head -1)" >&2
