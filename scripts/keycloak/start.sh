#!/usr/bin/env bash
# Starts a local Keycloak (dev mode, in-memory H2) on 127.0.0.1 with the authz-demo realm imported
# from scripts/keycloak/realm-authz.json, and waits until the realm's discovery document answers.
# Fetches Keycloak first if needed (scripts/keycloak/fetch.sh). Stop it with scripts/keycloak/stop.sh.
#
# Env:
#   KEYCLOAK_PORT              HTTP port on 127.0.0.1 (default 8080)
#   KEYCLOAK_ADMIN_USER        bootstrap admin of the master realm (default admin)
#   KEYCLOAK_ADMIN_PASSWORD    its password (default admin; dev only)
#   KEYCLOAK_HEAP              JVM heap options (default "-Xms64m -Xmx768m")
#   KEYCLOAK_START_TIMEOUT     seconds to wait for readiness (default 240)
#   KEYCLOAK_JAVA_HOME, KEYCLOAK_VERSION: see keycloak-env.sh
#
# The issuer is http://127.0.0.1:<port>/realms/authz-demo. The database is in memory (dev-mem), so
# every start imports the realm file afresh and nothing persists between runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=keycloak-env.sh
source "$here/keycloak-env.sh"

log() { echo "keycloak-start: $*" >&2; }

realm_file="$here/realm-authz.json"
realm="authz-demo"
base="http://127.0.0.1:${KEYCLOAK_PORT}"
discovery="$base/realms/$realm/.well-known/openid-configuration"
timeout="${KEYCLOAK_START_TIMEOUT:-240}"

if [[ -f "$KC_PIDFILE" ]] && kill -0 "$(cat "$KC_PIDFILE")" 2>/dev/null; then
  if curl -fsS -o /dev/null "$discovery" 2>/dev/null; then
    log "already running (PID $(cat "$KC_PIDFILE")) at $base"
    echo "$(cat "$KC_PIDFILE")"
    exit 0
  fi
  log "a Keycloak from $KC_PIDFILE (PID $(cat "$KC_PIDFILE")) is running but $discovery does not answer; run stop.sh first"
  exit 1
fi
rm -f "$KC_PIDFILE"

if curl -s -o /dev/null --max-time 2 "$base/" 2>/dev/null; then
  log "something already answers on $base; pick another KEYCLOAK_PORT"
  exit 1
fi

"$here/fetch.sh" >/dev/null

if [[ ! -f "$realm_file" ]]; then
  log "missing $realm_file (generate it with: node scripts/keycloak/gen-realm.mjs)"
  exit 1
fi

# --import-realm reads <keycloak>/data/import; copy the realm file there (fresh each start).
import_dir="$KC_HOME/data/import"
rm -rf "$import_dir"
mkdir -p "$import_dir"
cp "$realm_file" "$import_dir/"

export KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}"
export KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}"
# kc.sh appends JAVA_OPTS_KC_HEAP to its default JAVA_OPTS (dev mode would use -Xmx512m).
export JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx768m}"
unset JAVA_OPTS

mkdir -p "$TOOLS"
: >"$KC_LOG"
log "starting Keycloak $KEYCLOAK_VERSION on $base (Java: $JAVA_HOME), log: ${KC_LOG#"$ROOT"/}"
start=$(date +%s)
# setsid: Keycloak gets its own process group, so stop.sh can signal kc.sh and the JVM together.
setsid "$KC_HOME/bin/kc.sh" start-dev \
  --db=dev-mem \
  --import-realm \
  --http-enabled=true \
  --http-host=127.0.0.1 \
  --http-port="$KEYCLOAK_PORT" \
  --http-management-host=127.0.0.1 \
  --hostname="$base" \
  --hostname-strict=true \
  --health-enabled=false \
  --metrics-enabled=false \
  --log-console-color=false \
  </dev/null >>"$KC_LOG" 2>&1 &
pid=$!
echo "$pid" >"$KC_PIDFILE"

printf 'keycloak-start: waiting for %s ' "$discovery" >&2
while :; do
  if curl -fsS -o /dev/null --max-time 2 "$discovery" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo >&2
    log "Keycloak exited during startup; last lines of ${KC_LOG#"$ROOT"/}:"
    tail -n 40 "$KC_LOG" >&2
    rm -f "$KC_PIDFILE"
    exit 1
  fi
  if (( $(date +%s) - start >= timeout )); then
    echo >&2
    log "not ready after ${timeout}s; last lines of ${KC_LOG#"$ROOT"/}:"
    tail -n 40 "$KC_LOG" >&2
    "$here/stop.sh" || true
    exit 1
  fi
  printf '.' >&2
  sleep 1
done
echo >&2
elapsed=$(( $(date +%s) - start ))
java_pid="$(pgrep -P "$pid" -f QuarkusEntryPoint | head -n1 || true)"
[[ -n "$java_pid" ]] || java_pid="$pid"   # kc.sh exec()s java after a re-augmentation
log "ready in ${elapsed}s: issuer $base/realms/$realm (PID $pid, JVM PID $java_pid)"
echo "$pid"
