# The stock-OPA peer of the sidecar's AuthZEN API (bench scenarios authzen-single and authzen-batch-10):
# the same job as bench/peer/opa/peer.rego (verify the token, roles from userinfo, cached), then the
# sidecar's own AuthZEN rule (rego/authz/authzen.rego) for each evaluation. Stock OPA does not speak
# AuthZEN, so the request travels in OPA's input, the token with it:
#
#   POST /v1/data/bench/peer/authzen/evaluation  {"input": {"token", "subject", "action", "resource"}}
#   POST /v1/data/bench/peer/authzen/evaluations {"input": {"token", "subject", "action", "evaluations": [{"resource"}]}}
#
# As in the sidecar, the token is verified and the claims fetched once per query, however many
# evaluations it holds (OPA evaluates bench.peer.subject once per query), and subject.id must be the
# token's sub.
package bench.peer.authzen

import data.bench.peer

default evaluation := {"decision": false}

evaluation := decide(input) if peer.token_valid

default evaluations := []

evaluations := [decide(object.union(input, item)) | some item in input.evaluations] if peer.token_valid

decide(q) := {"decision": false} if q.subject.id != peer.payload.sub

decide(q) := {"decision": d.decision} if {
	q.subject.id == peer.payload.sub
	d := data.authz.authzen.evaluation with input as {
		"subject": q.subject,
		"action": q.action,
		"resource": q.resource,
		"trust": "token",
		"claims": peer.subject,
	}
}
