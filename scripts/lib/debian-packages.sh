# Sourced by scripts/install-{chromium,redis,prometheus}.sh: installs Debian packages when a program the
# tests need is missing, once per machine, with progress on stderr and the tail of apt's output on failure.
#
#   install_debian_packages <name> <present-command> <what it is for> <package>...
#
# <present-command> (a shell snippet) decides whether anything is to do. Not root and missing: says how to
# install and returns 0, so the callers' tests skip (and fail under CI=true, where these scripts run as root).
# A policy-rc.d answering 101 keeps apt from starting or enabling a package's own system service (only when
# the machine has none): the tests start their own servers on free loopback ports. APT_LOCK=<file> runs
# apt-get under flock on that file, for machines where several checkouts share one apt (as scripts/e2e.sh).
install_debian_packages() {
  local name="$1" present="$2" purpose="$3"
  shift 3
  if eval "$present"; then return 0; fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "install-$name: missing; install it as root (apt-get install $*) $purpose" >&2
    return 0
  fi
  local t0 log policy=/usr/sbin/policy-rc.d own_policy=0 status=0
  t0=$(date +%s)
  log="$(mktemp "${TMPDIR:-/tmp}/install-$name.XXXXXX")"
  step() { printf 'install-%s: %s (+%ds)\n' "$name" "$*" "$(( $(date +%s) - t0 ))" >&2; }
  apt() { if [[ -n "${APT_LOCK:-}" ]]; then flock "$APT_LOCK" apt-get "$@"; else apt-get "$@"; fi; }
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update"
  if ! apt update -qq >"$log" 2>&1; then
    echo "install-$name: apt-get update failed; last lines of its output:" >&2; tail -n 30 "$log" >&2; rm -f "$log"; return 1
  fi
  step "apt-get install $* (Debian's packages; once per machine)"
  if [[ ! -e "$policy" ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1; fi
  apt install -y -q --no-install-recommends "$@" >>"$log" 2>&1 || status=$?
  if [[ $own_policy == 1 ]]; then rm -f "$policy"; fi
  if [[ $status != 0 ]] || ! eval "$present"; then
    echo "install-$name: apt-get install $* failed or left it missing; last lines of its output:" >&2
    tail -n 30 "$log" >&2; rm -f "$log"; return 1
  fi
  rm -f "$log"
  step "done"
}
