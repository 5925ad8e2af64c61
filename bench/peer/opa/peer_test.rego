# Tests of the stock-OPA peer (bench/peer/opa/peer.rego): it must do the sidecar's job, or the
# benchmark compares different work. Run: .tools/bin/opa test bench/peer/opa rego/authz
# (npm test in bench/). Tokens are signed here with a test-only key; http.send is replaced.
package bench.peer_test

import data.bench.peer

# Test-only RSA key (never used outside these tests).
private_jwk := {"kty": "RSA", "n": "xfb__Hx9DwXlyznDG9ZoXAabjyaagKrW-yDpT4ZYppUG1CNCcHgckOLvtX11RQ1FJxhIhswOidiFIhInDbIKfKyLvTGRqpIlVPiZ7FP59uMtLl787lGGgXTN1fQGCdQsanfamI06G7K1h5RdLch7nPWJpM4ogV9oz5o6JO5Yi7x2C05aiecOOqoXw-5Acj-5Y4gvaFmINL12znqH9956SVls51H_BFUj7VfRQaelxF0O1R8_cjalewS3KY9ksKrd8_LygoeqxoLCEoVdF5_vBVtIqXdC7wQgV_j8McKuygU2SEcZm78hBTB5jzveI_IS5Sg8rRcyjodNNPKPhSa_ZQ", "e": "AQAB", "d": "E36LnhvNiOGGISlyqtbF92yjJvP15P5t0H8LhUxFMJTzqNzsBFKfpYOOIsDUVSobCYrc9taOBp8EGo3Pu2ExTS5Z-Gsy3VQqSaAi2uCOI0ojFIeVaraBLgBdlgMYu8u2r_6remL15O0H7pj6mrE9EwDO6XlvswW9NtcI1hguhLFWyiBzvXHqqls7uJXijyQ3YNhQdc818vzQL5sDZZRIJbSpJ-Q4aqnhStXvjq96CufdhhRJZNVgwEzLx9DuHHYXi3ZD47RRTkgZTE_9tKJimYrXo669IDgIq5Uc3GxqK5xw4qxVo8_X7KEIxV7_MuwlsDw1tsL0xztdTraUDaWkJQ", "p": "-HktWcNylX-Jl-A5CS8GQ9-e3AW9o_MrsISVSHHNROSVzLrHjd_-jmggx6_i9CM8PHyouXbwfY1oN-3DpowTITUi4nYZAK0PJJsE3gqfkY0JNDmOrkB6gaFuXP-_aKTGKmZqmJHrfl1dBbsniRO5O8d5BY8D9rPLKN5vzldqCAM", "q": "y_YlsGZk6ujGX0pDfzs72Ew-bTQohaQ-rYGiK6c97K8OOBP_ioHZUPXBaHSf63Zlmd_oe3A_u6zrJ3pxL11SfbSFHfkXxBxUz2sMUrRNNGrKLBWjE_MaWBtsmj37PNX61qhIM6eeGEpOILWO15lCUrDrqDybC_SKHPuwstzvAnc", "dp": "UJPTfimgzhR3BXakaHMEgBxTwxxlfHaOc4b7dmvZWn8aiTMFJeA_B-WCw98pJW0Lyr3OZZ7JrJ2f74s-iJMiXQGDV5de0lZM890FvhAJ4USweGw19hJY6BL23FfftcrBrNxbszCXAvq6APLJhm2MA3PTrlbLvURfHNjNv0efzgs", "dq": "Snu4ZcPu5K5fCxt2rLb38tRdE8oxZiSF0xz9GQ35Gj8PZUFAV9d1ghBNMhUs9XMGRXw0TSe_zoymT4NyZAajgk5zMm_t0us5uYlxNZ6sdxDshc7dAAMOQtC5B1bNMfk-ojdQLrTukhZIk79Zy7gnNUVwub5wLJx_93eenqL6EZ8", "qi": "vIT_mIYeYtH-KM5Uv6Z4pR8AIqdLgJHuWs5f6GoLICR2FDp4iIjwMGgnc0f5Y2oO0Me_yFuYrKIIJAlpRewT81cL3endPsQMRh93WwLlOVa-Wi_zyUL4OO77KuAkwnCqa6pofYiasXYrsnE1nFYQqwI2PHdhB3JxeUXIzG1OD2w", "kid": "test"}

public_jwk := {"kty": "RSA", "n": "xfb__Hx9DwXlyznDG9ZoXAabjyaagKrW-yDpT4ZYppUG1CNCcHgckOLvtX11RQ1FJxhIhswOidiFIhInDbIKfKyLvTGRqpIlVPiZ7FP59uMtLl787lGGgXTN1fQGCdQsanfamI06G7K1h5RdLch7nPWJpM4ogV9oz5o6JO5Yi7x2C05aiecOOqoXw-5Acj-5Y4gvaFmINL12znqH9956SVls51H_BFUj7VfRQaelxF0O1R8_cjalewS3KY9ksKrd8_LygoeqxoLCEoVdF5_vBVtIqXdC7wQgV_j8McKuygU2SEcZm78hBTB5jzveI_IS5Sg8rRcyjodNNPKPhSa_ZQ", "e": "AQAB", "kid": "test", "alg": "RS256", "use": "sig"}

issuer := "http://127.0.0.1:18180"

cfg := {
	"issuer": issuer,
	"audience": "bench-api",
	"jwks": json.marshal({"keys": [public_jwk]}),
	"userinfo_endpoint": "http://127.0.0.1:18180/userinfo",
}

now_s := floor(time.now_ns() / 1000000000)

token(claims) := io.jwt.encode_sign(
	{"alg": "RS256", "typ": "JWT", "kid": "test"},
	object.union({"iss": issuer, "aud": "bench-api", "iat": now_s, "exp": now_s + 600}, claims),
	private_jwk,
)

userinfo_ok(req) := {"status_code": 200, "body": {"sub": "alice", "roles": ["orders-viewer"], "groups": []}}

userinfo_other_subject(req) := {"status_code": 200, "body": {"sub": "mallory", "roles": ["admin"]}}

userinfo_down(req) := {"status_code": 503, "body": null}

ask(tok, method, path) := {"token": tok, "method": method, "path": path}

test_allows_with_roles_from_userinfo if {
	d := peer.decision with input as ask(token({"sub": "alice"}), "get", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	d.allow == true
	d.reasons == ["role orders-viewer (direct) allows GET /api/orders/**"]
}

test_denies_what_the_roles_do_not_grant if {
	d := peer.decision with input as ask(token({"sub": "alice"}), "DELETE", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	d.allow == false
}

test_token_roles_skip_userinfo if {
	d := peer.decision with input as ask(token({"sub": "alice", "roles": ["admin"]}), "DELETE", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_down
	d.allow == true
}

test_denies_a_tampered_token if {
	parts := split(token({"sub": "alice"}), ".")
	forged := concat(".", [parts[0], base64url.encode_no_pad(json.marshal({"iss": issuer, "aud": "bench-api", "sub": "admin", "exp": now_s + 600})), parts[2]])
	d := peer.decision with input as ask(forged, "GET", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	d == {"allow": false, "reasons": ["invalid token"]}
}

test_denies_a_token_for_another_audience if {
	d := peer.decision with input as ask(token({"sub": "alice", "aud": "other"}), "GET", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	d == {"allow": false, "reasons": ["invalid token"]}
}

test_denies_an_expired_token if {
	d := peer.decision with input as ask(token({"sub": "alice", "exp": now_s - 60}), "GET", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	d == {"allow": false, "reasons": ["invalid token"]}
}

test_denies_when_userinfo_fails if {
	d := peer.decision with input as ask(token({"sub": "alice"}), "GET", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_down
	d == {"allow": false, "reasons": ["claims unavailable"]}
}

test_denies_when_userinfo_answers_for_another_subject if {
	d := peer.decision with input as ask(token({"sub": "alice"}), "GET", "/api/orders/42")
		with data.bench_config as cfg
		with http.send as userinfo_other_subject
	d == {"allow": false, "reasons": ["claims unavailable"]}
}

# The AuthZEN peer (peer_authzen.rego): one verification and one userinfo answer for the batch.
authzen_ask(tok, sub) := {
	"token": tok,
	"subject": {"type": "user", "id": sub},
	"action": {"name": "GET"},
	"evaluations": [
		{"resource": {"type": "route", "id": "/api/orders/1"}},
		{"action": {"name": "DELETE"}, "resource": {"type": "route", "id": "/api/orders/1"}},
	],
}

test_authzen_batch_decides_each_evaluation if {
	e := data.bench.peer.authzen.evaluations with input as authzen_ask(token({"sub": "alice"}), "alice")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	e == [{"decision": true}, {"decision": false}]
}

test_authzen_refuses_another_subject_and_a_bad_token if {
	e := data.bench.peer.authzen.evaluations with input as authzen_ask(token({"sub": "alice"}), "bob")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	e == [{"decision": false}, {"decision": false}]
	f := data.bench.peer.authzen.evaluations with input as authzen_ask("a.b.c", "alice")
		with data.bench_config as cfg
		with http.send as userinfo_ok
	f == []
}
