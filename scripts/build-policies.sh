#!/usr/bin/env bash
# Builds Rego policies into OPA Wasm bundles (the format the sidecar loads).
#
#   scripts/build-policies.sh
#       builds every directory rego/<name>/ into bundles/<name>.tar.gz,
#       entrypoints <name>/decision and <name>/allow (plus system/log/mask, the decision log mask
#       policy, when a module of the directory is in package system.log). A file named
#       `entrypoints` in the directory replaces the first two: one entrypoint per line, `#` comments
#       (rego/authzen-todo/ needs it: a Rego package cannot be named with a hyphen)
#   scripts/build-policies.sh <src-dir> <out.tar.gz> [entrypoint-package]
#       builds one arbitrary directory (e.g. a test fixture); the entrypoint package defaults to
#       the directory's base name, dots or slashes allowed ("acme.orders" -> acme/orders/decision)
#
# The files of <src-dir> become package/data path <entrypoint-package>, exactly as `opa test rego/`
# sees them: rego/authz/data.json is data.authz in the bundle.
#
# Bundle revision (.manifest "revision") = first 12 hex chars of sha256 over the sorted relative
# names, sizes and contents of the directory's non-test files (hidden files and *_test.rego are
# neither hashed nor built). It changes exactly when a policy or data file changes; a bundle whose
# revision (and entrypoints) already match is not rebuilt. FORCE=1 rebuilds anyway.
# Works from any cwd; progress goes to stderr.
#
# ENTRYPOINTS="a/b c/d" (optional; or a file `entrypoints` in the directory, one per line) replaces the
# <pkg>/decision and <pkg>/allow entrypoints, for a
# directory whose rules are named otherwise (opa-envoy-plugin's envoy/authz/allow, .../result).
#
# Signing (optional): SIGNING_KEY=<PEM private key file, or the HMAC secret> signs each bundle
# (opa build -b --signing-key), with SIGNING_ALG (default RS256) and SIGNING_CLAIMS=<json file>
# for extra claims such as {"scope": "write"}. Signed bundles are always rebuilt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
opa="$root/.tools/bin/opa"
# The pinned OPA is installed only when a bundle must be (re)built: bundles/*.tar.gz are committed,
# so `npm start` on a fresh clone finds them up to date and needs neither opa nor Go.
need_opa() { [[ -n "${opa_ready:-}" ]] || { bash "$root/scripts/install-opa.sh" && opa_ready=1; }; }

log() { echo "build-policies: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Path as shown in messages: relative to the repo root when inside it.
show() {
  case "$1" in
    "$root"/*) printf '%s' "${1#"$root"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

abspath() { # works for a not-yet-existing file whose parent can be created
  local dir base
  dir="$(dirname -- "$1")"
  base="$(basename -- "$1")"
  mkdir -p -- "$dir"
  printf '%s/%s' "$(cd -- "$dir" && pwd)" "$base"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -c1-64
  else shasum -a 256 | cut -c1-64
  fi
}

# NUL-separated, byte-sorted relative names of the files that are hashed and built.
source_files() {
  (cd -- "$1" && find . -name '.?*' -prune -o -type f ! -name '*_test.rego' -print0) \
    | LC_ALL=C sort -z
}

revision() {
  local dir=$1 f
  source_files "$dir" | while IFS= read -r -d '' f; do
    printf 'file %s %s\n' "${f#./}" "$(wc -c <"$dir/$f" | tr -d ' ')"
    cat -- "$dir/$f"
  done | sha256 | cut -c1-12
}

# "<revision> <entrypoint>,<entrypoint>" of an existing bundle ("" if unreadable). Read with tar and
# node rather than `opa inspect`, so that checking an up-to-date bundle needs no opa.
bundle_stamp() {
  tar -xzOf "$1" /.manifest 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const m = JSON.parse(s); process.stdout.write(`${m.revision} ${(m.wasm || []).map((w) => w.entrypoint).join(",")}`); } catch {}
    });' 2>/dev/null || true
}

build_one() {
  local src=$1 out=$2 pkg=$3
  [[ -d "$src" ]] || die "$src is not a directory"
  src="$(cd -- "$src" && pwd)"
  out="$(abspath "$out")"
  pkg="${pkg//./\/}"
  pkg="${pkg#/}"
  pkg="${pkg%/}"
  [[ -n "$pkg" ]] || die "empty entrypoint package for $(show "$src")"

  local rev want mask_ep=""
  rev="$(revision "$src")"
  # A module in package system.log is OPA's decision log mask policy: built in as entrypoint
  # system/log/mask, which the sidecar evaluates on each event before logging it.
  if grep -rqsE --include='*.rego' --exclude='*_test.rego' '^package[[:space:]]+system\.log([[:space:]]|$)' "$src"; then
    mask_ep="system/log/mask"
  fi
  local eps=()
  if [[ -n "${ENTRYPOINTS:-}" ]]; then
    read -r -a eps <<<"$ENTRYPOINTS"
  elif [[ -f "$src/entrypoints" ]]; then
    local line
    while IFS= read -r line || [[ -n "$line" ]]; do
      line="${line%%#*}"
      line="${line//[[:space:]]/}"
      [[ -n "$line" ]] && eps+=("$line")
    done <"$src/entrypoints"
    ((${#eps[@]})) || die "$(show "$src")/entrypoints names no entrypoint"
  else
    eps=("$pkg/decision" "$pkg/allow")
  fi
  [[ -n "$mask_ep" ]] && eps+=("$mask_ep")
  local joined ep_args=() ep
  joined="$(IFS=,; printf '%s' "${eps[*]}")"
  for ep in "${eps[@]}"; do ep_args+=(-e "$ep"); done
  want="$rev $joined"
  if [[ -z "${FORCE:-}" && -z "${SIGNING_KEY:-}" && -f "$out" && "$(bundle_stamp "$out")" == "$want" ]]; then
    log "$(show "$out") is up to date (revision $rev)"
    return 0
  fi

  need_opa || die "the pinned opa is needed to build $(show "$out") from $(show "$src") (see the message above)"
  local stage tmp_out f
  stage="$(mktemp -d "${TMPDIR:-/tmp}/build-policies.XXXXXX")"
  tmp_out="$(mktemp "$(dirname -- "$out")/.$(basename -- "$out").XXXXXX")"
  # shellcheck disable=SC2064 # expand now: these locals are gone when the trap fires
  trap "rm -rf -- '$stage' '$tmp_out'" EXIT
  # Stage under the package path so data.json lands at data.<pkg> (opa build roots data at the
  # directory it is given), and so the hashed files are exactly the built files.
  mkdir -p -- "$stage/$pkg"
  source_files "$src" | while IFS= read -r -d '' f; do
    mkdir -p -- "$stage/$pkg/$(dirname -- "$f")"
    cp -- "$src/$f" "$stage/$pkg/$f"
  done
  local sign=()
  if [[ -n "${SIGNING_KEY:-}" ]]; then
    local key=$SIGNING_KEY
    [[ -f "$key" ]] && key="$(abspath "$key")" # opa runs in the staging directory
    sign=(-b --signing-key "$key" --signing-alg "${SIGNING_ALG:-RS256}")
    [[ -n "${SIGNING_CLAIMS:-}" ]] && sign+=(--claims-file "$(abspath "$SIGNING_CLAIMS")")
  fi
  (
    cd -- "$stage"
    "$opa" build -t wasm "${ep_args[@]}" --ignore '*_test.rego' \
      --revision "$rev" ${sign[@]+"${sign[@]}"} -o "$tmp_out" .
  ) || die "opa build failed for $(show "$src")"
  chmod 0644 -- "$tmp_out"
  mv -f -- "$tmp_out" "$out"
  rm -rf -- "$stage"
  trap - EXIT
  log "built $(show "$out") from $(show "$src") (revision $rev, entrypoints ${eps[*]}${SIGNING_KEY:+, signed})"
}

case $# in
  0)
    shopt -s nullglob
    dirs=("$root"/rego/*/)
    ((${#dirs[@]})) || die "no policy directories under rego/"
    for d in "${dirs[@]}"; do
      d="${d%/}"
      name="$(basename -- "$d")"
      build_one "$d" "$root/bundles/$name.tar.gz" "$name"
    done
    ;;
  2 | 3)
    build_one "$1" "$2" "${3:-$(basename -- "$(cd -- "$1" 2>/dev/null && pwd || echo "$1")")}"
    ;;
  *)
    echo "usage: $0 [<src-dir> <out.tar.gz> [entrypoint-package]]" >&2
    exit 2
    ;;
esac
