#!/usr/bin/env bash
# Builds the Go tools the ext_authz tests, CI and the benchmark use, from the Go module proxy, into
# .tools/ (git-ignored), once; prints the path of the one asked for on stdout, progress on stderr.
#
#   scripts/build-go-tools.sh extauthz   tools/extauthz: Envoy's and Istio's own Go types
#                                        (go-control-plane, istio.io/api): a CheckRequest client,
#                                        the config validators, the descriptor dump, a load generator
#   scripts/build-go-tools.sh grpcurl    github.com/fullstorydev/grpcurl (pinned), for the e2e suite
#   scripts/build-go-tools.sh compose-config
#                                        tools/compose-config: compose-spec's own loader, which
#                                        `docker compose config` runs, for docker-compose.yml
#
# extauthz is built under a name that hashes its sources, so worktrees sharing .tools/ never run
# each other's builds. The first build downloads and compiles go-control-plane (~4 min on 2 cores);
# later ones take seconds (Go's build cache). Needs Go (1.26+); says what to install otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRPCURL_VERSION="${GRPCURL_VERSION:-v1.9.3}"
tool="${1:?usage: build-go-tools.sh extauthz|grpcurl|compose-config}"
log() { echo "build-go-tools: $*" >&2; }
if ! command -v go >/dev/null 2>&1; then
  log "'go' is not on PATH: install Go 1.26 or later (https://go.dev/dl/); the tools are built from the Go module proxy"
  exit 1
fi
dir="$root/.tools/go-tools"
mkdir -p "$dir"
# One build at a time per tools dir (parallel test files may ask at once).
exec 9>"$dir/.lock"
flock 9
start=$(date +%s)
# go prints "go: downloading <module>" per module; condensed here to a line every 20 modules.
progress() {
  local line n=0
  while IFS= read -r line; do
    case "$line" in
      "go: downloading "*) n=$((n + 1)); ((n % 20 == 1)) && log "downloading modules ($n so far, $(( $(date +%s) - start ))s)" ;;
      *) echo "$line" >&2 ;;
    esac
  done
  return 0
}
# A tool of our own (tools/<name>, its own go.mod), built under a name that hashes its sources.
build_module() {
  local name="$1" what="$2" src hash
  src="$root/tools/$name"
  hash="$(cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)"
  out="$dir/$name-$hash"
  if [[ ! -x "$out" ]]; then
    log "building tools/$name ($what) into ${out#"$root"/}..."
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -o "$out.tmp" . 2>&1) | progress
    mv -f "$out.tmp" "$out"
    log "$name ready in $(( $(date +%s) - start ))s"
  fi
}
case "$tool" in
  extauthz) build_module extauthz "go-control-plane, istio.io/api; the first time takes a few minutes" ;;
  compose-config) build_module compose-config "compose-spec/compose-go" ;;
  grpcurl)
    out="$dir/grpcurl-$GRPCURL_VERSION"
    if [[ ! -x "$out" ]]; then
      log "building grpcurl $GRPCURL_VERSION from the Go module proxy into ${out#"$root"/}..."
      tmp="$(mktemp -d)"
      GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" 2>&1 | progress
      mv -f "$tmp/grpcurl" "$out"
      rm -rf "$tmp"
      log "grpcurl ready in $(( $(date +%s) - start ))s"
    fi
    ;;
  *)
    log "unknown tool '$tool' (extauthz, grpcurl or compose-config)"
    exit 2
    ;;
esac
echo "$out"
