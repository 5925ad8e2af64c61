package authz_test

import data.authz

# Run with: npm run test:policies   (= .tools/bin/opa test rego/ -v)
# Tests run against the demo data in rego/authz/data.json unless they override
# data.authz.role_grants / data.authz.group_roles (never `with data.authz as ...`: that would
# also replace the policy's own rules, which live under data.authz too).

req(method, path) := {"method": method, "path": path, "segments": [s | some s in split(trim_prefix(path, "/"), "/")], "query": {}}

with_roles(roles, method, path) := {
	"subject": {"sub": "tester", "iss": "https://idp.example", "roles": roles},
	"request": req(method, path),
}

with_groups(groups, method, path) := {
	"subject": {"sub": "tester", "iss": "https://idp.example", "roles": [], "groups": groups},
	"request": req(method, path),
}

alice := with_roles(["admin"], "DELETE", "/api/orders/1")

# --------------------------------------------------------------------------------------
# admin: any method on anything under /api/

test_admin_delete_order_allowed if {
	authz.allow with input as alice
	authz.decision == {"allow": true, "reasons": ["role admin (direct) allows * /api/**"]} with input as alice
}

test_admin_any_method_allowed if {
	every m in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"] {
		authz.allow with input as with_roles(["admin"], m, "/api/anything/at/all")
	}
}

test_admin_api_root_allowed if {
	authz.allow with input as with_roles(["admin"], "GET", "/api")
	authz.allow with input as with_roles(["admin"], "GET", "/api/")
}

test_admin_outside_api_denied if {
	not authz.allow with input as with_roles(["admin"], "GET", "/admin")
	not authz.allow with input as with_roles(["admin"], "GET", "/")
	not authz.allow with input as with_roles(["admin"], "GET", "/apix")
	not authz.allow with input as with_roles(["admin"], "GET", "/apix/orders")
}

test_admin_outside_api_reason if {
	d := authz.decision with input as with_roles(["admin"], "GET", "/metrics")
	d == {"allow": false, "reasons": ["no grant matches GET /metrics"]}
}

# --------------------------------------------------------------------------------------
# orders-viewer: only GET /api/orders/**

test_orders_viewer_get_allowed if {
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/1")
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/1/lines/7")
}

test_orders_viewer_get_collection_without_trailing_part_allowed if {
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders")
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/")
}

test_orders_viewer_reason if {
	d := authz.decision with input as with_roles(["orders-viewer"], "GET", "/api/orders/1")
	d == {"allow": true, "reasons": ["role orders-viewer (direct) allows GET /api/orders/**"]}
}

test_orders_viewer_delete_denied if {
	inp := with_roles(["orders-viewer"], "DELETE", "/api/orders/1")
	not authz.allow with input as inp
	authz.decision == {"allow": false, "reasons": ["no grant matches DELETE /api/orders/1"]} with input as inp
}

test_orders_viewer_other_methods_denied if {
	every m in ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
		not authz.allow with input as with_roles(["orders-viewer"], m, "/api/orders/1")
	}
}

test_method_match_is_case_sensitive if {
	not authz.allow with input as with_roles(["orders-viewer"], "get", "/api/orders/1")
	not authz.allow with input as with_roles(["orders-viewer"], "Get", "/api/orders/1")
}

test_orders_viewer_prefix_is_whole_segments if {
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/ordersX")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/ordersX/1")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/order")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders-archive/1")
}

test_orders_viewer_other_apis_denied if {
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/customers/1")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/orders/1")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/v2/api/orders/1")
}

test_path_is_case_sensitive if {
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/API/orders/1")
	not authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/Orders/1")
}

# --------------------------------------------------------------------------------------
# roles via groups

test_group_with_leading_slash_grants_role if {
	inp := with_groups(["/order-readers"], "GET", "/api/orders/1")
	authz.decision == {"allow": true, "reasons": ["role orders-viewer (via group order-readers) allows GET /api/orders/**"]} with input as inp
}

test_group_without_leading_slash_grants_role if {
	authz.allow with input as with_groups(["order-readers"], "GET", "/api/orders/1")
}

test_group_derived_role_keeps_its_limits if {
	not authz.allow with input as with_groups(["/order-readers"], "DELETE", "/api/orders/1")
	not authz.allow with input as with_groups(["order-readers"], "GET", "/api/customers")
}

test_admins_group_grants_admin if {
	authz.allow with input as with_groups(["/admins"], "DELETE", "/api/orders/1")
	authz.allow with input as with_groups(["admins"], "POST", "/api/customers")
}

test_unknown_or_similar_groups_grant_nothing if {
	not authz.allow with input as with_groups(["/order-readers/sub"], "GET", "/api/orders/1")
	not authz.allow with input as with_groups(["//order-readers"], "GET", "/api/orders/1")
	not authz.allow with input as with_groups(["order-reader"], "GET", "/api/orders/1")
	not authz.allow with input as with_groups(["/Admins"], "GET", "/api/orders/1")
	not authz.allow with input as with_groups(["orders-viewer"], "GET", "/api/orders/1")
}

test_group_name_is_not_a_role if {
	# a role claim named like a group grants nothing
	not authz.allow with input as with_roles(["order-readers", "admins", "/admins"], "GET", "/api/orders/1")
}

test_group_roles_data_keys_with_leading_slash if {
	d := {
		"role_grants": {"orders-viewer": [{"methods": ["GET"], "path": "/api/orders/**"}]},
		"group_roles": {"/order-readers": ["orders-viewer"]},
	}
	authz.allow with input as with_groups(["/order-readers"], "GET", "/api/orders/1") with data.authz.role_grants as d.role_grants with data.authz.group_roles as d.group_roles
	authz.allow with input as with_groups(["order-readers"], "GET", "/api/orders/1") with data.authz.role_grants as d.role_grants with data.authz.group_roles as d.group_roles
}

test_direct_and_group_roles_combine_in_reasons if {
	inp := {
		"subject": {"sub": "carol", "roles": ["orders-viewer", "unrelated"], "groups": ["/order-readers", "/admins"]},
		"request": req("GET", "/api/orders/9"),
	}
	authz.decision == {"allow": true, "reasons": [
		"role admin (via group admins) allows * /api/**",
		"role orders-viewer (direct) allows GET /api/orders/**",
		"role orders-viewer (via group order-readers) allows GET /api/orders/**",
	]} with input as inp
}

test_reasons_only_name_matching_grants if {
	inp := with_roles(["admin", "orders-viewer"], "DELETE", "/api/orders/1")
	authz.decision.reasons == ["role admin (direct) allows * /api/**"] with input as inp
}

# --------------------------------------------------------------------------------------
# missing / empty / malformed subject data

test_empty_roles_denied if {
	inp := with_roles([], "GET", "/api/orders/1")
	authz.decision == {"allow": false, "reasons": [
		"no grant matches GET /api/orders/1",
		"subject has no role known to this policy",
	]} with input as inp
}

test_unknown_roles_denied if {
	not authz.allow with input as with_roles(["viewer", "ADMIN", "Admin", "admin "], "GET", "/api/orders/1")
}

test_missing_subject_denied if {
	inp := {"request": req("GET", "/api/orders/1")}
	not authz.allow with input as inp
	authz.decision.allow == false with input as inp
	"subject has no role known to this policy" in authz.decision.reasons with input as inp
}

test_missing_roles_and_groups_claims_denied if {
	not authz.allow with input as {"subject": {"sub": "x"}, "request": req("GET", "/api/orders/1")}
}

test_groups_without_roles_claim if {
	authz.allow with input as {"subject": {"sub": "x", "groups": ["/admins"]}, "request": req("GET", "/api/x")}
}

test_wrongly_typed_claims_grant_nothing if {
	not authz.allow with input as {"subject": {"sub": "x", "roles": "admin"}, "request": req("GET", "/api/x")}
	not authz.allow with input as {"subject": {"sub": "x", "roles": {"r": "admin"}}, "request": req("GET", "/api/x")}
	not authz.allow with input as {"subject": {"sub": "x", "groups": "/admins"}, "request": req("GET", "/api/x")}
	not authz.allow with input as {"subject": {"sub": "x", "groups": {"g": "/admins"}}, "request": req("GET", "/api/x")}
	not authz.allow with input as {"subject": "admin", "request": req("GET", "/api/x")}
	not authz.allow with input as {"subject": null, "request": req("GET", "/api/x")}
}

test_non_string_claim_elements_are_skipped if {
	inp := {"subject": {"roles": [null, 1, {"r": "admin"}, ["admin"]], "groups": [null, 2, {}, "/order-readers"]}, "request": req("GET", "/api/orders/1")}
	authz.decision == {"allow": true, "reasons": ["role orders-viewer (via group order-readers) allows GET /api/orders/**"]} with input as inp
}

test_decision_defined_for_non_object_input if {
	every inp in [null, [], "admin", 3, {"subject": [], "request": []}] {
		authz.decision.allow == false with input as inp
		authz.allow == false with input as inp
	}
}

test_decision_defined_for_empty_input if {
	authz.decision == {"allow": false, "reasons": [
		"request method is missing",
		"request path is missing",
		"subject has no role known to this policy",
	]} with input as {}
	authz.allow == false with input as {}
}

test_decision_defined_without_input if {
	authz.decision.allow == false
	count(authz.decision.reasons) > 0
	authz.allow == false
}

test_missing_or_non_string_method_denied if {
	inp := {"subject": {"roles": ["admin"]}, "request": {"path": "/api/orders/1"}}
	authz.decision == {"allow": false, "reasons": ["request method is missing"]} with input as inp
	not authz.allow with input as {"subject": {"roles": ["admin"]}, "request": {"method": 1, "path": "/api/x"}}
	not authz.allow with input as {"subject": {"roles": ["admin"]}, "request": {"method": ["GET"], "path": "/api/x"}}
}

test_missing_or_relative_path_denied if {
	not authz.allow with input as {"subject": {"roles": ["admin"]}, "request": {"method": "GET"}}
	not authz.allow with input as {"subject": {"roles": ["admin"]}, "request": {"method": "GET", "path": 7}}
	d := authz.decision with input as with_roles(["admin"], "GET", "api/orders")
	d == {"allow": false, "reasons": ["request path must start with /"]}
}

test_dot_segments_denied if {
	every p in [
		"/api/orders/../admin",
		"/api/orders/./1",
		"/api/orders/..",
		"/api/orders/%2e%2e/x",
		"/api/orders/%2E%2e",
		"/api/orders/.%2E/x",
		"/api/orders/%2e",
	] {
		d := authz.decision with input as with_roles(["admin"], "GET", p)
		d == {"allow": false, "reasons": ["request path contains . or .. segments"]}
	}
}

test_dots_inside_segments_are_fine if {
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/1.json")
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/...")
	authz.allow with input as with_roles(["orders-viewer"], "GET", "/api/orders/.hidden")
}

test_extra_input_fields_are_ignored if {
	inp := {
		"subject": {"sub": "bob", "iss": "https://idp", "roles": ["orders-viewer"], "email": "b@x", "groups": []},
		"request": {"method": "GET", "path": "/api/orders/1", "segments": ["api", "orders", "1"], "query": {"a": ["1"]}},
		"resource": {"type": "order", "id": "1"},
		"action": "read",
		"context": {"ip": "127.0.0.1"},
	}
	authz.allow with input as inp
}

# --------------------------------------------------------------------------------------
# large subjects: thousands of roles/groups must not change the answer

many(prefix, n) := [concat("", [prefix, format_int(i, 10)]) | some i in numbers.range(1, n)]

test_thousands_of_unrelated_roles_denied if {
	inp := with_roles(many("role-", 5000), "GET", "/api/orders/1")
	not authz.allow with input as inp
	authz.decision.reasons == ["no grant matches GET /api/orders/1", "subject has no role known to this policy"] with input as inp
}

test_thousands_of_roles_with_match_at_end if {
	inp := with_roles(array.concat(many("role-", 5000), ["orders-viewer"]), "GET", "/api/orders/1")
	authz.decision == {"allow": true, "reasons": ["role orders-viewer (direct) allows GET /api/orders/**"]} with input as inp
	not authz.allow with input as with_roles(array.concat(many("role-", 5000), ["orders-viewer"]), "PUT", "/api/orders/1")
}

test_thousands_of_roles_with_match_at_start if {
	authz.allow with input as with_roles(array.concat(["admin"], many("role-", 5000)), "DELETE", "/api/x")
}

test_thousands_of_groups if {
	authz.allow with input as with_groups(array.concat(many("/group-", 3000), ["/order-readers"]), "GET", "/api/orders")
	not authz.allow with input as with_groups(many("/group-", 3000), "GET", "/api/orders")
}

# --------------------------------------------------------------------------------------
# data model edge cases (custom data)

custom := {
	"role_grants": {
		"health": [{"methods": ["GET"], "path": "/healthz"}],
		"root": [{"methods": ["GET", "HEAD"], "path": "/**"}],
		"multi": [
			{"methods": ["POST"], "path": "/api/orders/**"},
			{"methods": ["GET", "PUT"], "path": "/api/customers/**"},
		],
		"no-grants": [],
	},
	"group_roles": {"ops": ["health", "missing-role"], "empty": []},
}

test_exact_path_grant if {
	authz.allow with input as with_roles(["health"], "GET", "/healthz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["health"], "GET", "/healthz/") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["health"], "GET", "/healthz/x") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["health"], "GET", "/healthzz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["health"], "POST", "/healthz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
}

test_root_wildcard_grant if {
	authz.allow with input as with_roles(["root"], "GET", "/") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	authz.allow with input as with_roles(["root"], "HEAD", "/anything/deep") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["root"], "POST", "/anything") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
}

test_role_with_several_grants if {
	authz.allow with input as with_roles(["multi"], "POST", "/api/orders") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	authz.allow with input as with_roles(["multi"], "PUT", "/api/customers/3") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["multi"], "GET", "/api/orders/1") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_roles(["multi"], "POST", "/api/customers/3") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	r := authz.decision.reasons with input as with_roles(["multi"], "PUT", "/api/customers/3") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	r == ["role multi (direct) allows GET,PUT /api/customers/**"]
}

test_role_without_grants_and_group_to_missing_role if {
	not authz.allow with input as with_roles(["no-grants"], "GET", "/healthz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	authz.allow with input as with_groups(["ops"], "GET", "/healthz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
	not authz.allow with input as with_groups(["empty"], "GET", "/healthz") with data.authz.role_grants as custom.role_grants with data.authz.group_roles as custom.group_roles
}

test_empty_data_denies_everything if {
	not authz.allow with input as alice with data.authz.role_grants as {} with data.authz.group_roles as {}
	authz.decision.allow == false with input as alice with data.authz.role_grants as {} with data.authz.group_roles as {}
}

test_decision_and_allow_agree if {
	every inp in [
		alice,
		with_roles(["orders-viewer"], "DELETE", "/api/orders/1"),
		with_roles(["orders-viewer"], "GET", "/api/orders/1"),
		with_groups(["/order-readers"], "GET", "/api/ordersX"),
		{},
	] {
		d := authz.decision with input as inp
		a := authz.allow with input as inp
		d.allow == a
	}
}

# ---------------------------------------------------------------------------------------
# AuthZEN (authzen.rego): the same grants, asked as an AuthZEN evaluation.

authzen_ask(roles, method, path) := {
	"subject": {"type": "user", "id": "bob"},
	"action": {"name": method},
	"resource": {"type": "route", "id": path},
	"claims": {"sub": "bob", "roles": roles},
}

test_authzen_evaluation_uses_the_grants if {
	r := data.authz.authzen.evaluation with input as authzen_ask(["orders-viewer"], "get", "/api/orders/1")
	r.decision == true
	r.context.reasons == ["role orders-viewer (direct) allows GET /api/orders/**"]
	d := data.authz.authzen.evaluation with input as authzen_ask(["orders-viewer"], "DELETE", "/api/orders/1")
	d.decision == false
}

test_authzen_without_claims_or_route_denied if {
	r := data.authz.authzen.evaluation with input as object.remove(authzen_ask([], "GET", "/api/orders/1"), ["claims"])
	r.decision == false
	t := data.authz.authzen.evaluation with input as object.union(authzen_ask(["admin"], "GET", "/api/x"), {"resource": {"type": "document", "id": "/api/x"}})
	t.decision == false
}

# ---------------------------------------------------------------------------------------
# Service callers (input.subject.kind == "service", docs/service-to-service.md): allowed by the
# allow-list of registered clients (data.authz.client_grants), never by roles.

as_service(client, roles, method, path) := {
	"subject": {"sub": "sa-1", "iss": "https://idp.example", "roles": roles, "kind": "service", "client_id": client},
	"request": req(method, path),
}

test_registered_client_allowed_on_its_routes if {
	d := authz.decision with input as as_service("service-a", [], "GET", "/api/orders/7")
	d == {"allow": true, "reasons": ["registered client service-a allows GET /api/orders/**"]}
}

test_registered_client_denied_elsewhere if {
	not authz.allow with input as as_service("service-a", [], "DELETE", "/api/orders/7")
	not authz.allow with input as as_service("service-a", [], "GET", "/api/users/1")
	d := authz.decision with input as as_service("service-a", [], "GET", "/api/users/1")
	d == {"allow": false, "reasons": ["no grant matches GET /api/users/1"]}
}

test_unregistered_client_denied if {
	d := authz.decision with input as as_service("service-x", [], "GET", "/api/orders/7")
	d.allow == false
	"service client is not registered with this service" in d.reasons
}

test_service_caller_roles_grant_nothing if {
	not authz.allow with input as as_service("service-x", ["admin"], "GET", "/api/orders/7")
	not authz.allow with input as object.union(as_service("service-x", [], "GET", "/api/orders/7"), {"subject": {"groups": ["/admins"]}})
}

test_user_is_not_a_registered_client if {
	# A user's token carrying a client_id of a registered client (kind "user") gains nothing from it.
	inp := {"subject": {"sub": "bob", "iss": "https://idp.example", "roles": [], "kind": "user", "client_id": "service-a"}, "request": req("GET", "/api/orders/7")}
	not authz.allow with input as inp
}

test_client_grants_overridable if {
	authz.allow with input as as_service("billing", [], "POST", "/api/invoices") with data.authz.client_grants as {"billing": [{"methods": ["POST"], "path": "/api/invoices"}]}
}
