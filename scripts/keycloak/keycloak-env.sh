# Shared settings for scripts/keycloak/*.sh (sourced, not executed).
# Pinned Keycloak version and the JDK it runs on.
#
# Keycloak 26.x is compiled for Java 17 and its "Supported Configurations" guide lists
# OpenJDK 17, 21 and 25 (LTS), recommending the latest (25). This machine has OpenJDK 17
# (Debian) and Temurin 25: we run on Temurin 25 and fall back to 17 if 25 is missing.
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
MAVEN_DEPENDENCY_PLUGIN_VERSION="${MAVEN_DEPENDENCY_PLUGIN_VERSION:-3.8.1}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
KC_HOME="$TOOLS/keycloak-$KEYCLOAK_VERSION"

if [[ -z "${KEYCLOAK_JAVA_HOME:-}" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 \
                   /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64; do
    if [[ -x "$candidate/bin/java" ]]; then KEYCLOAK_JAVA_HOME="$candidate"; break; fi
  done
fi
if [[ -z "${KEYCLOAK_JAVA_HOME:-}" || ! -x "$KEYCLOAK_JAVA_HOME/bin/java" ]]; then
  echo "keycloak: no JDK 17/21/25 found; set KEYCLOAK_JAVA_HOME" >&2
  return 1 2>/dev/null || exit 1
fi
# kc.sh uses JAVA_HOME (then java on PATH); set it explicitly so the pinned JDK is used.
export JAVA_HOME="$KEYCLOAK_JAVA_HOME"
export PATH="$JAVA_HOME/bin:$PATH"

KEYCLOAK_PORT="${KEYCLOAK_PORT:-8080}"
# KEYCLOAK_LOG / KEYCLOAK_PIDFILE let a caller run its own instance beside another one (the e2e
# suite keeps both in its temp dir); start.sh and stop.sh must then see the same values.
KC_LOG="${KEYCLOAK_LOG:-$TOOLS/keycloak.log}"
KC_PIDFILE="${KEYCLOAK_PIDFILE:-$TOOLS/keycloak.pid}"
KC_DATA="$TOOLS/keycloak-data"   # holds import/realm-authz.json and the dev H2 database
