# API authorization for authz-sidecar: "a role per API, roles granted through groups".
#
# Data (rego/authz/data.json, loaded as data.authz):
#   role_grants: role -> [{"methods": ["GET", ...] | ["*"], "path": "/api/orders/**" | "/exact/path"}]
#   group_roles: group name (with or without a leading "/") -> [role, ...]
#   client_grants: client id -> [{"methods": [...], "path": ...}]: the routes each registered service
#                  may call with its own client-credentials token (input.subject.kind == "service",
#                  input.subject.client_id; see docs/service-to-service.md). A service caller is
#                  allowed only by this allow-list, never by roles its service account may hold.
#
# Entrypoints (compiled to Wasm by scripts/build-policies.sh):
#   authz/decision  {"allow": bool, "reasons": [string]}, defined for every input
#   authz/allow     bool, default false
#
# Performance: subjects can carry tens of thousands of roles. The roles and groups claims are
# each walked once, with a key lookup into data per element (see role_sources); everything
# else iterates over the few grants of the roles actually held.
#
# Wasm: only builtins that OPA's Wasm target implements natively are used (no glob/regex/time/
# http.send, and no sprintf either, so reasons are identical under `opa eval` and the JS SDK).
package authz

default allow := false

default decision := {"allow": false, "reasons": ["internal: no decision could be computed"]}

allow if {
	count(problems) == 0
	some _ in matches
}

allow if {
	count(problems) == 0
	some _ in client_matches
}

decision := {"allow": true, "reasons": sort(allow_reasons)} if allow

decision := {"allow": false, "reasons": sort(deny_reasons)} if not allow

# ---------------------------------------------------------------------------------------
# Request accessors: always defined, "" when missing or not a string.

request_method := m if {
	m := input.request.method
	is_string(m)
} else := ""

request_path := p if {
	p := input.request.path
	is_string(p)
} else := ""

# Malformed requests are denied even if a grant would match.
problems contains "request method is missing" if request_method == ""

problems contains "request path is missing" if request_path == ""

problems contains "request path must start with /" if {
	request_path != ""
	not startswith(request_path, "/")
}

# "/api/orders/../admin" must not be authorized by a "/api/orders/**" grant.
problems contains "request path contains . or .. segments" if {
	some segment in split(request_path, "/")
	dot_segment(segment)
}

dot_segment(s) if replace(lower(s), "%2e", ".") in {".", ".."}

# ---------------------------------------------------------------------------------------
# Effective roles, as {"role": r, "via": how}. Subjects can carry tens of thousands of roles
# and groups, so each claim array is walked once and every element is looked up in the (small)
# data objects by key: O(claims) hash lookups, whatever the size of data.authz. (Testing
# `role in input.subject.roles` for every role in data would rescan the whole claim once per
# data role instead.)

# A service caller (claims.serviceClaim matched) has no user: its grants are data.authz.client_grants.
service_caller if input.subject.kind == "service"

role_sources contains {"role": role, "via": "direct"} if {
	not service_caller
	is_array(input.subject.roles)
	some role in input.subject.roles
	data.authz.role_grants[role]
}

# Keycloak emits full group paths ("/order-readers"); other IdPs emit bare names. Keys in
# data.authz.group_roles may be written either way too.
role_sources contains {"role": role, "via": concat("", ["via group ", name])} if {
	some name in group_names
	some role in data.authz.group_roles[name]
}

role_sources contains {"role": role, "via": concat("", ["via group ", name])} if {
	some name in group_names
	some role in data.authz.group_roles[concat("", ["/", name])]
}

# Bare names of the subject's groups.
group_names contains trim_prefix(group, "/") if {
	not service_caller
	is_array(input.subject.groups)
	some group in input.subject.groups
	is_string(group)
}

# ---------------------------------------------------------------------------------------
# Grant matching.

matches contains {"role": src.role, "via": src.via, "methods": grant.methods, "path": grant.path} if {
	some src in role_sources
	some grant in data.authz.role_grants[src.role]
	method_matches(grant.methods)
	path_matches(grant.path)
}

client_matches contains {"client": client, "methods": grant.methods, "path": grant.path} if {
	service_caller
	client := input.subject.client_id
	is_string(client)
	some grant in data.authz.client_grants[client]
	method_matches(grant.methods)
	path_matches(grant.path)
}

# Case-sensitive: the sidecar passes the method upper-cased.
method_matches(methods) if "*" in methods

method_matches(methods) if request_method in methods

# "/prefix/**" matches "/prefix" itself and anything below it by whole segments
# ("/api/orders/**" matches "/api/orders" and "/api/orders/1", not "/api/ordersX").
path_matches(pattern) if {
	endswith(pattern, "/**")
	request_path == trim_suffix(pattern, "/**")
}

path_matches(pattern) if {
	endswith(pattern, "/**")
	startswith(request_path, concat("", [trim_suffix(pattern, "/**"), "/"]))
}

# Anything else is an exact path.
path_matches(pattern) if {
	not endswith(pattern, "/**")
	request_path == pattern
}

# ---------------------------------------------------------------------------------------
# Reasons (sets, so sort() makes them deterministic).

allow_reasons contains concat("", ["role ", m.role, " (", m.via, ") allows ", concat(",", m.methods), " ", m.path]) if {
	some m in matches
}

deny_reasons contains problem if some problem in problems

allow_reasons contains concat("", ["registered client ", m.client, " allows ", concat(",", m.methods), " ", m.path]) if {
	some m in client_matches
}

deny_reasons contains concat("", ["no grant matches ", request_method, " ", request_path]) if {
	count(problems) == 0
	count(matches) == 0
	count(client_matches) == 0
}

deny_reasons contains "subject has no role known to this policy" if {
	not service_caller
	count(role_sources) == 0
}

deny_reasons contains "service client is not registered with this service" if {
	service_caller
	not registered_client
}

registered_client if data.authz.client_grants[input.subject.client_id]
