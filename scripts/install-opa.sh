#!/usr/bin/env bash
# Installs the pinned OPA CLI from the Go module proxy into .tools/bin (project-local, reused).
# Why go install: the only registries our machines reach are package registries; the Go module
# proxy serves OPA's source, so we build the exact pinned version instead of downloading a binary.
set -euo pipefail
OPA_VERSION="${OPA_VERSION:-v1.22.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
opa="$bin/opa"
# Not a pipe into grep -q: under pipefail an early-exiting grep can fail the check and rebuild.
if [[ -x "$opa" ]] && out="$("$opa" version 2>/dev/null)" && grep -q "^Version: ${OPA_VERSION#v}$" <<<"$out" \
  && grep -q "^WebAssembly: available" <<<"$out"; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
install-opa: the pinned OPA CLI (${OPA_VERSION}) is needed here, and it is built from the Go module proxy,
install-opa: but 'go' is not on PATH. Install Go 1.26 or later (https://go.dev/dl/; OPA ${OPA_VERSION}'s
install-opa: go.mod asks for go 1.26.0) and run the command again; the build takes a few minutes, once.
install-opa: Or put an opa ${OPA_VERSION} binary with WebAssembly support at ${opa#"$root"/}.
install-opa: Only policy work needs it (npm run test:policies, npm run build:policies after a change to
install-opa: rego/, npm test); npm start runs the demo with the committed bundles/ and no Go.
EOF
  exit 1
fi
mkdir -p "$bin"
echo "install-opa: building opa ${OPA_VERSION} with go install into ${bin#"$root"/} (first time only, a few minutes)..." >&2
start=$(date +%s)
# Progress: go prints "go: downloading <module>" per module; -v prints each package it compiles, which
# is condensed here to a count every 100 packages. Any other line (an error) is shown as it comes.
progress() {
  local line downloads=0 packages=0
  while IFS= read -r line; do
    case "$line" in
      "go: downloading "*) downloads=$((downloads + 1)); ((downloads % 25 == 1)) && echo "install-opa: downloading modules ($downloads so far, $(( $(date +%s) - start ))s)" ;;
      *" "* | "") echo "$line" ;;
      *) packages=$((packages + 1)); ((packages % 100 == 0)) && echo "install-opa: compiled $packages packages ($(( $(date +%s) - start ))s)" ;;
    esac
  done
  return 0
}
# -tags=opa_wasm: the (pure Go) Wasm engine, so `opa eval -b` can evaluate our wasm bundles too.
GOBIN="$bin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -v -tags=opa_wasm "github.com/open-policy-agent/opa@${OPA_VERSION}" 2>&1 \
  | progress >&2
echo "install-opa: opa ${OPA_VERSION} ready in $(( $(date +%s) - start ))s at ${opa#"$root"/}" >&2
