#!/usr/bin/env bash
# Checks a running Keycloak (scripts/keycloak/start.sh) against what the sidecar expects, with curl:
#   - password-grant access tokens (scope=openid) for alice, bob, carol, dave are subject-only:
#     sub, iss, aud=authz-sidecar-demo, exp present; no roles, groups, realm_access, resource_access;
#   - userinfo with that token answers application/json with sub, roles and groups (top level);
#   - carol's userinfo lists 501 roles;
#   - sizes of the access token, subject-only vs with scope roles-in-token.
# Prints a summary; exits non-zero on the first failed check.
#
#   scripts/keycloak/verify.sh            # check and print
#   scripts/keycloak/verify.sh --record   # also write test/e2e/fixtures/keycloak-samples.json
# Needs curl, jq, base64. Env: KEYCLOAK_PORT (default 8080).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${KEYCLOAK_PORT:-8080}"
fixture="$root/test/e2e/fixtures/keycloak-realm.json"
realm="$(jq -r .realm "$fixture")"
client_id="$(jq -r .clientId "$fixture")"
client_secret="$(jq -r .clientSecret "$fixture")"
issuer="http://127.0.0.1:${port}/realms/${realm}"
record=false
[[ "${1:-}" == "--record" ]] && record=true

fail() { echo "verify: FAIL: $*" >&2; exit 1; }
b64url_decode() {
  local s="${1//-/+}"; s="${s//_//}"
  while (( ${#s} % 4 )); do s="$s="; done
  printf '%s' "$s" | base64 -d
}
token() { # user scope -> access token
  local user="$1" scope="$2" password
  password="$(jq -r --arg u "$user" '.users[$u].password' "$fixture")"
  curl -fsS "$issuer/protocol/openid-connect/token" \
    -d grant_type=password -d client_id="$client_id" -d client_secret="$client_secret" \
    -d username="$user" -d password="$password" --data-urlencode "scope=$scope" | jq -r .access_token
}

discovery="$(curl -fsS "$issuer/.well-known/openid-configuration")" || fail "no discovery document at $issuer"
[[ "$(jq -r .issuer <<<"$discovery")" == "$issuer" ]] || fail "issuer is $(jq -r .issuer <<<"$discovery"), expected $issuer"
userinfo_endpoint="$(jq -r .userinfo_endpoint <<<"$discovery")"
echo "issuer:   $issuer"
echo "userinfo: $userinfo_endpoint"

samples='{}'
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for user in alice bob carol dave; do
  at="$(token "$user" openid)"
  IFS=. read -r h p _ <<<"$at"
  header="$(b64url_decode "$h")"; payload="$(b64url_decode "$p")"
  jq -e --arg iss "$issuer" --arg aud "$client_id" '
    (.sub | type == "string") and .iss == $iss and (.exp | type == "number")
    and (.aud == $aud or ((.aud | type) == "array" and (.aud | index($aud))))' <<<"$payload" >/dev/null \
    || fail "$user: access token lacks sub/iss/aud/exp: $payload"
  jq -e 'has("roles") or has("groups") or has("realm_access") or has("resource_access")' <<<"$payload" >/dev/null \
    && fail "$user: access token carries roles or groups: $payload"

  code="$(curl -sS -o "$tmp/ui.json" -D "$tmp/ui.h" -w '%{http_code}' -H "Authorization: Bearer $at" "$userinfo_endpoint")"
  [[ "$code" == 200 ]] || fail "$user: userinfo answered $code"
  ctype="$(grep -i '^content-type:' "$tmp/ui.h" | head -n1 | cut -d' ' -f2- | tr -d '\r')"
  [[ "$ctype" == application/json* ]] || fail "$user: userinfo content-type $ctype"
  ui="$(cat "$tmp/ui.json")"
  [[ "$(jq -r .sub <<<"$ui")" == "$(jq -r .sub <<<"$payload")" ]] || fail "$user: userinfo sub differs from the token's"
  expected_roles="$(jq -c --arg u "$user" '.users[$u].roles' "$fixture")"
  expected_groups="$(jq -c --arg u "$user" '.users[$u].groups' "$fixture")"
  # Keycloak leaves a claim out (rather than []) when the user has no roles or groups.
  [[ "$(jq -c '.roles // [] | sort' <<<"$ui")" == "$expected_roles" ]] || fail "$user: userinfo roles differ from $expected_roles"
  [[ "$(jq -c '.groups // [] | sort' <<<"$ui")" == "$expected_groups" ]] || fail "$user: userinfo groups differ from $expected_groups"

  at_roles="$(token "$user" 'openid roles-in-token')"
  IFS=. read -r _ p2 _ <<<"$at_roles"
  [[ "$(b64url_decode "$p2" | jq -c '.roles // [] | sort')" == "$expected_roles" ]] || fail "$user: roles-in-token access token lacks the roles"

  printf '%-6s token typ=%s sub=%s claims=%s | userinfo %s, %s bytes, roles=%s groups=%s | access token %s bytes subject-only, %s bytes with roles-in-token\n' \
    "$user" "$(jq -r .typ <<<"$header")" "$(jq -r 'has("sub")' <<<"$payload")" "$(jq -c 'keys' <<<"$payload")" \
    "$ctype" "$(wc -c <"$tmp/ui.json" | tr -d ' ')" "$(jq '.roles // [] | length' <<<"$ui")" \
    "$(jq -c '.groups // []' <<<"$ui")" "${#at}" "${#at_roles}"
  if $record; then
    samples="$(jq -c --arg u "$user" --argjson h "$header" --argjson p "$payload" --argjson ui "$ui" \
      --arg ct "$ctype" --argjson n "${#at}" --argjson nr "${#at_roles}" \
      '.[$u] = {accessTokenHeader: $h, accessTokenPayload: $p, accessTokenBytes: $n,
                accessTokenBytesWithRolesInToken: $nr, userinfoContentType: $ct, userinfo: $ui}' <<<"$samples")"
  fi
done

# Without the openid scope Keycloak refuses userinfo (403 insufficient_scope).
IFS= read -r at_noscope < <(curl -fsS "$issuer/protocol/openid-connect/token" -d grant_type=password \
  -d client_id="$client_id" -d client_secret="$client_secret" -d username=alice \
  -d password="$(jq -r '.users.alice.password' "$fixture")" | jq -r .access_token)
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at_noscope" "$userinfo_endpoint")"
[[ "$code" == 403 ]] || fail "userinfo without the openid scope answered $code, expected 403"
echo "userinfo without scope=openid: 403 (as expected)"

if $record; then
  kc_version="${KEYCLOAK_VERSION:-$(sed -n 's/^KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-\(.*\)}"$/\1/p' "$here/keycloak-env.sh")}"
  version="$(head -n1 "$root/.tools/keycloak-$kc_version/version.txt" 2>/dev/null || echo "Keycloak $kc_version")"
  jq --arg v "$version" '{description: ("Recorded from a real Keycloak by scripts/keycloak/verify.sh --record (" + $v + "). Decoded tokens and userinfo responses; subs and timestamps change on every run."), users: .}' \
    <<<"$samples" >"$root/test/e2e/fixtures/keycloak-samples.json"
  echo "wrote test/e2e/fixtures/keycloak-samples.json"
fi
echo "verify: all checks passed"
