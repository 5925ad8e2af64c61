# AuthZEN requests (POST /access/v1/evaluation, docs/authzen.md) answered by the same grants as
# /authorize: an AuthZEN evaluation about a route asks what /authorize would answer for it.
#
#   {"subject": {"type": "user", "id": "bob"}, "action": {"name": "GET"}, "resource": {"type": "route", "id": "/api/orders/1"}}
#
# action.name is the HTTP method (any case), resource.id the path; the subject's roles and groups
# are those the sidecar established (input.claims: the verified token's, enriched from userinfo).
#
# Entrypoint: authz/authzen/evaluation  {"decision": bool, "context": {"reasons": [string]}}
package authz.authzen

import data.authz

default evaluation := {"decision": false, "context": {"reasons": ["not a route: resource.type must be \"route\", action.name an HTTP method"]}}

evaluation := {"decision": d.allow, "context": {"reasons": d.reasons}} if {
	input.resource.type == "route"
	is_string(input.action.name)
	d := authz.decision with input as {
		"subject": object.get(input, "claims", {}),
		"request": {"method": upper(input.action.name), "path": input.resource.id},
	}
}
