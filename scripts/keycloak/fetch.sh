#!/usr/bin/env bash
# Fetches the pinned Keycloak server distribution (org.keycloak:keycloak-quarkus-dist, tar.gz)
# from Maven Central with `mvn dependency:copy` and unpacks it into .tools/keycloak-<version>/
# (project-local, git-ignored). Reuses an existing unpacked copy. Prints the distribution dir
# on stdout as its last line; progress goes to stderr.
#
# The .tar.gz is checked twice: Maven's --strict-checksums against Maven Central's checksums
# while downloading, then this script compares it with the .sha1 Maven stored beside it.
#
# Env: KEYCLOAK_VERSION (pinned in keycloak-env.sh), MAVEN_LOCAL_REPO (default ~/.m2/repository).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=keycloak-env.sh
source "$here/keycloak-env.sh"

log() { echo "keycloak-fetch: $*" >&2; }

if [[ -x "$KC_HOME/bin/kc.sh" && -f "$KC_HOME/.fetched-ok" ]]; then
  log "reusing ${KC_HOME#"$ROOT"/} (Keycloak $KEYCLOAK_VERSION)"
  echo "$KC_HOME"
  exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
  log "'mvn' is not on PATH; it is used to fetch org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION from Maven Central"
  exit 1
fi

artifact="org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz"
dl="$TOOLS/.download"
mkdir -p "$dl"
tarball="$dl/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz"
start=$(date +%s)

if [[ ! -f "$tarball" ]]; then
  log "downloading $artifact (~170 MB) with mvn dependency:copy (first time only)..."
  # --strict-checksums (-C): Maven fails the transfer if the artifact does not match the
  # repository's .sha1/.md5. Progress lines from Maven go to stderr so stdout stays clean.
  # On a terminal Maven shows a live progress counter; otherwise (CI, logs) batch mode prints
  # one "Downloading from central" / "Downloaded ... (N MB at X MB/s)" line per file.
  mvn_mode=()
  [[ -t 2 ]] || mvn_mode=(--batch-mode -Dstyle.color=never)
  # Run from the download dir so Maven never picks up some pom.xml in the caller's cwd.
  (cd "$dl" && mvn "${mvn_mode[@]}" --strict-checksums \
      "org.apache.maven.plugins:maven-dependency-plugin:${MAVEN_DEPENDENCY_PLUGIN_VERSION}:copy" \
      -Dartifact="$artifact" \
      -DoutputDirectory="$dl" \
      -Dmdep.overWriteReleases=true \
      -Dmdep.useBaseVersion=true) >&2
  if [[ ! -f "$tarball" ]]; then
    log "mvn finished but $tarball is missing"
    exit 1
  fi
fi

# Verify the .sha1 published next to the artifact. Maven's local repository keeps the
# .sha1 it downloaded; fall back to asking Maven Central for it directly.
m2_repo="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
sha1_file="$m2_repo/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz.sha1"
if [[ -f "$sha1_file" ]]; then
  expected="$(tr -d '[:space:]' <"$sha1_file" | cut -c1-40)"
  sha1_src="${sha1_file#"$HOME"/}"
else
  expected="$(curl -fsS "https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.tar.gz.sha1" | tr -d '[:space:]' | cut -c1-40)"
  sha1_src="Maven Central"
fi
actual="$(sha1sum "$tarball" | cut -d' ' -f1)"
if [[ "$expected" != "$actual" ]]; then
  log "SHA-1 mismatch for $tarball: expected $expected ($sha1_src), got $actual; deleting it"
  rm -f "$tarball"
  exit 1
fi
log "sha1 ok ($actual, from $sha1_src)"

log "unpacking into ${KC_HOME#"$ROOT"/}..."
tmp="$(mktemp -d "$TOOLS/.unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
top="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)"
if [[ -z "$top" || ! -x "$top/bin/kc.sh" ]]; then
  log "unexpected archive layout (no bin/kc.sh)"
  exit 1
fi
rm -rf "$KC_HOME"
mv "$top" "$KC_HOME"
echo "$KEYCLOAK_VERSION $actual" >"$KC_HOME/.fetched-ok"
rm -f "$tarball"
rmdir "$dl" 2>/dev/null || true
log "Keycloak $KEYCLOAK_VERSION ready in $(( $(date +%s) - start ))s at ${KC_HOME#"$ROOT"/}"
echo "$KC_HOME"
