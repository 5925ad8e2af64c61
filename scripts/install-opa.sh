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
  echo "install-opa: 'go' is not on PATH; OPA ${OPA_VERSION} is built from the Go module proxy" >&2
  exit 1
fi
mkdir -p "$bin"
echo "install-opa: building opa ${OPA_VERSION} with go install (first time only, takes a few minutes)..." >&2
start=$(date +%s)
# -tags=opa_wasm: the (pure Go) Wasm engine, so `opa eval -b` can evaluate our wasm bundles too.
GOBIN="$bin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -tags=opa_wasm "github.com/open-policy-agent/opa@${OPA_VERSION}" >&2
echo "install-opa: opa ${OPA_VERSION} ready in $(( $(date +%s) - start ))s at ${opa#"$root"/}" >&2
