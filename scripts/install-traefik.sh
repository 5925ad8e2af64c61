#!/usr/bin/env bash
# Builds Traefik (pinned) from the Go module proxy into .tools/go-tools/, once, for the end-to-end
# suite (test/e2e/traefik.e2e.ts); prints the binary's path on stdout, progress on stderr.
#
# Why not `go install github.com/traefik/traefik/v3/cmd/traefik@...`: Traefik's go.mod has replace
# directives, which go install refuses. So a throwaway module carries Traefik's own go.mod
# (its requires, replaces and excludes, verbatim) and go.sum, requires Traefik itself, and builds
# its cmd/traefik. Pinned to v3.6.12: from v3.7 Traefik's go.mod replaces a module of its own
# repository (github.com/traefik/traefik/dynamic/ext) with a local directory, which is not in the
# module's zip and which the Go module proxy does not serve, so v3.7 cannot be built from the proxy.
# The web dashboard is not built (its assets come from npm at release time): the binary serves
# the proxy, not the UI. First build: module downloads and ~1,000 packages, several minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRAEFIK_VERSION="${TRAEFIK_VERSION:-v3.6.12}"
dir="$root/.tools/go-tools"
out="$dir/traefik-$TRAEFIK_VERSION"
log() { echo "install-traefik: $*" >&2; }
mkdir -p "$dir"
exec 9>"$dir/.traefik.lock"
flock 9
if [[ -x "$out" ]]; then echo "$out"; exit 0; fi
command -v go >/dev/null 2>&1 || { log "'go' is not on PATH: install Go 1.26 or later; Traefik is built from the Go module proxy"; exit 1; }
start=$(date +%s)
log "building traefik $TRAEFIK_VERSION from the Go module proxy into ${out#"$root"/} (first time only, several minutes)..."
mod="$(GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$mod" ]] || { log "could not download github.com/traefik/traefik/v3@$TRAEFIK_VERSION"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed 's#^module .*#module traefik-build#' "$mod/go.mod" >"$work/go.mod"
cp "$mod/go.sum" "$work/go.sum"
chmod u+w "$work/go.mod" "$work/go.sum"
printf '\nrequire github.com/traefik/traefik/v3 %s\n' "$TRAEFIK_VERSION" >>"$work/go.mod"
# Progress: a line per 25 modules downloaded and per 200 packages compiled (go build -v).
(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -v -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" -o "$out.tmp" "github.com/traefik/traefik/v3/cmd/traefik" 2>&1) | {
  d=0 p=0
  while IFS= read -r line; do
    case "$line" in
      "go: downloading "*) d=$((d + 1)); ((d % 25 == 1)) && log "downloading modules ($d so far, $(( $(date +%s) - start ))s)" ;;
      *" "*) echo "$line" >&2 ;;
      *) p=$((p + 1)); ((p % 200 == 0)) && log "compiled $p packages ($(( $(date +%s) - start ))s)" ;;
    esac
  done
  true
}
[[ -x "$out.tmp" ]] || { log "the build failed (see above)"; exit 1; }
mv -f "$out.tmp" "$out"
log "traefik $TRAEFIK_VERSION ready in $(( $(date +%s) - start ))s"
echo "$out"
