#!/usr/bin/env bash
# Stops the Keycloak started by scripts/keycloak/start.sh (PID file .tools/keycloak.pid).
# Sends SIGTERM to its process group (kc.sh and the JVM), waits up to 30 s, then SIGKILL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=keycloak-env.sh
source "$here/keycloak-env.sh"

log() { echo "keycloak-stop: $*" >&2; }

if [[ ! -f "$KC_PIDFILE" ]]; then
  log "not running (no ${KC_PIDFILE#"$ROOT"/})"
  exit 0
fi
pid="$(cat "$KC_PIDFILE")"
if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
  log "PID $pid from ${KC_PIDFILE#"$ROOT"/} is not running"
  rm -f "$KC_PIDFILE"
  exit 0
fi
# start.sh launched kc.sh with setsid, so its PID is also its process group id.
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
for _ in $(seq 1 60); do
  if ! kill -0 -- "-$pid" 2>/dev/null; then
    rm -f "$KC_PIDFILE"
    log "stopped (PID $pid)"
    exit 0
  fi
  sleep 0.5
done
log "still running after 30s; sending SIGKILL to process group $pid"
kill -KILL -- "-$pid" 2>/dev/null || true
rm -f "$KC_PIDFILE"
