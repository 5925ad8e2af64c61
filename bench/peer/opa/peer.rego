# The stock-OPA peer of authz-sidecar: the same job in plain Rego, served by `opa run --server`
# (the pinned OPA). The benchmark harness loads this file, rego/authz/ (the sidecar's RBAC rules
# and data, unchanged) and a generated data.bench_config {"issuer", "audience"}.
#
# Query: POST /v1/data/bench/peer/decision {"input": {"token": "<JWT>", "method": "GET", "path": "/api/orders/42"}}
# (stock OPA's REST API cannot read the caller's Authorization header, so the token travels in the input).
#
# What it does, as the sidecar does:
#   1. the issuer's JWKS and userinfo endpoint come as data (the harness reads them from discovery
#      before starting OPA, as a bundle would ship them): cheaper per query than http.send's cache,
#      which decodes the cached response again on every hit;
#   2. io.jwt.decode_verify against that JWKS: RS256, exact iss, aud, exp/nbf;
#   3. roles the token lacks from userinfo through http.send with the same bearer token, cached
#      for 5 min (force_cache). http.send's cache key is the whole request, so it is keyed on the
#      token: a new token for a known subject calls userinfo again (the sidecar keys on the subject);
#   4. data.authz.decision (the sidecar's policy, with the sidecar's input shape).
# The harness enables OPA's io_jwt verification cache (off by default) so the peer runs at its best.
package bench.peer

cfg := data.bench_config

token_parts := io.jwt.decode_verify(input.token, {"cert": cfg.jwks, "alg": "RS256", "iss": cfg.issuer, "aud": cfg.audience})

token_valid if {
	token_parts[0]
	is_string(token_parts[2].sub)
	token_parts[2].sub != ""
}

payload := token_parts[2]

# claims.enrich "when-missing": userinfo only when the token carries no roles claim.
userinfo := {} if payload.roles

userinfo := resp.body if {
	not payload.roles
	resp := http.send({
		"method": "GET",
		"url": cfg.userinfo_endpoint,
		"headers": {"Authorization": concat(" ", ["Bearer", input.token])},
		"force_cache": true,
		"force_cache_duration_seconds": 300,
		"timeout": "2s",
		"raise_error": false,
	})
	resp.status_code == 200
	resp.body.sub == payload.sub
}

roles := array.concat(object.get(payload, "roles", []), object.get(userinfo, "roles", []))

# Token claims win over userinfo claims of the same name; roles are the union.
subject := object.union(object.union(userinfo, payload), {"roles": roles})

policy_input := {
	"subject": subject,
	"request": {"method": upper(input.method), "path": input.path},
}

decision := {"allow": false, "reasons": ["invalid token"]} if not token_valid

decision := {"allow": false, "reasons": ["claims unavailable"]} if {
	token_valid
	not userinfo
}

decision := d if {
	token_valid
	userinfo
	d := data.authz.decision with input as policy_input
}
