#!/usr/bin/env bash
# Installs Debian's `prometheus` package (the server and `promtool`) when missing: `npm run chaos` runs a
# real Prometheus that scrapes the sidecar and evaluates deploy/prometheus/authz-sidecar-rules.yml, and
# test/deploy/prometheus-rules.test.ts checks those rules with `promtool check rules`. A second run installs
# nothing; the package's own service is not started (the chaos run starts its own Prometheus on a free
# loopback port). Not root: says how to install it; the callers then say what they skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-packages.sh"
install_debian_packages prometheus "command -v promtool >/dev/null && command -v prometheus >/dev/null" "for the alert rule checks and npm run chaos" prometheus
