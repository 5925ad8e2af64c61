#!/usr/bin/env bash
# The end-to-end suite (test/e2e/*.e2e.ts): a real Keycloak, the sidecar as its own process, and
# nginx (auth_request), Caddy (forward_auth) and Traefik (ForwardAuth) in front of a demo service;
# Envoy's ext_authz over gRPC with grpcurl. Run it after `npm ci`: it uses the pinned Node 24 from
# node_modules/.bin through `npm run`.
#
# Installs what is missing, once (a second run installs nothing):
#   - nginx and caddy, from Debian's packages (needs root, as in CI); their system services are
#     not started, the tests run their own as the current user. APT_LOCK=<file> runs apt-get under
#     flock on that file, for machines where several checkouts share one apt;
#   - grpcurl and Traefik, built from the Go module proxy into .tools/ (scripts/build-go-tools.sh,
#     scripts/install-traefik.sh; Traefik's first build takes several minutes);
#   - Keycloak, from Maven Central through scripts/keycloak/fetch.sh (needs mvn and a JDK 17/21/25;
#     cached in .tools/).
# Then `npm run test:e2e`, whose global setup starts Keycloak on a free port and stops it at the
# end. With KEYCLOAK_URL set, an already running Keycloak with the authz-demo realm is used instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
t0=$(date +%s)
step() { printf 'e2e: %s (+%ds)\n' "$*" "$(( $(date +%s) - t0 ))"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/authz-e2e.XXXXXX")"
policy_rc_created=false
cleanup() {
  # If the test runner died before its teardown, this stops the Keycloak it started.
  if [[ -f "$work/keycloak.pid" ]]; then KEYCLOAK_PIDFILE="$work/keycloak.pid" bash "$root/scripts/keycloak/stop.sh" || true; fi
  if $policy_rc_created; then rm -f /usr/sbin/policy-rc.d; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Shows the tail of a log and fails.
fail_with_log() { echo "e2e: $1; last lines of its output:" >&2; tail -n 40 "$2" >&2; exit 1; }

apt_get() { if [[ -n "${APT_LOCK:-}" ]]; then flock "$APT_LOCK" apt-get "$@"; else apt-get "$@"; fi; }
missing=()
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if ((${#missing[@]})); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "e2e: ${missing[*]} not installed; install the Debian packages as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  step "installing ${missing[*]} from Debian's packages (apt-get update, apt-get install)"
  export DEBIAN_FRONTEND=noninteractive
  # Only the binaries are needed: a policy-rc.d that says 101 keeps the packages from starting
  # their services on ports 80/443 (the usual Docker base images ship the same file).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    policy_rc_created=true
  fi
  apt_get update -qq >"$work/apt.log" 2>&1 || fail_with_log "apt-get update failed" "$work/apt.log"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1 || fail_with_log "apt-get install ${missing[*]} failed" "$work/apt.log"
  if $policy_rc_created; then rm -f /usr/sbin/policy-rc.d; policy_rc_created=false; fi
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
step "nginx: $("$nginx_bin" -v 2>&1) at $nginx_bin; caddy: $(caddy version 2>&1 | head -n 1)"

step "grpcurl (Go module proxy, scripts/build-go-tools.sh; once)"
grpcurl_bin="$(bash scripts/build-go-tools.sh grpcurl)"
step "Traefik (Go module proxy, scripts/install-traefik.sh; the first build takes several minutes)"
traefik_bin="$(bash scripts/install-traefik.sh)"
step "traefik: $("$traefik_bin" version 2>/dev/null | head -n 1 | tr -s ' ')"
export TRAEFIK="$traefik_bin" CADDY="$(command -v caddy)" GRPCURL="$grpcurl_bin"

if [[ -z "${KEYCLOAK_URL:-}" ]]; then
  step "Keycloak: scripts/keycloak/fetch.sh (downloads once from Maven Central into .tools/)"
  bash scripts/keycloak/fetch.sh >/dev/null 2>"$work/fetch.log" || fail_with_log "scripts/keycloak/fetch.sh failed" "$work/fetch.log"
  step "$(tail -n 1 "$work/fetch.log")"
  # start.sh (from the suite's global setup) writes these; the trap above reads the PID file.
  export KEYCLOAK_PIDFILE="$work/keycloak.pid" KEYCLOAK_LOG="$work/keycloak.log"
  # A first start (Quarkus re-augmentation) took 111 s on a busy 2-core machine: leave room.
  export KEYCLOAK_START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-360}"
fi

step "npm run test:e2e"
status=0
NGINX="$nginx_bin" npm run --silent test:e2e || status=$?
if (( status != 0 )) && [[ -f "$work/keycloak.log" ]]; then
  echo "e2e: failed; last lines of the Keycloak log:" >&2
  tail -n 30 "$work/keycloak.log" >&2
fi
step "done (status $status)"
exit "$status"
