# The OpenID AuthZEN interop "Search" scenario as an AuthZEN policy for authz-sidecar, written from the
# scenario's published description (openid/authzen, interop/authzen-interop-website/docs/scenarios/
# search/index.md; the vendored search results it must reproduce are in test/fixtures/authzen/search/).
#
# Data (rego/authzen-search/data.json, loaded as data["authzen-search"]; the rules live in package
# authzen.search, named by the directory's `entrypoints` file):
#   users:   user id -> {role: manager | employee | contractor, department}
#   records: record id -> {title, department, owner}
#   actions: view, edit, delete
#
# The scenario's rules:
#   - a user can view any record they own, and any record in their department
#   - a manager can view any record
#   - a user can edit any record they own; a manager can edit any record in their department
#   - a user can delete any record they own
#
# Entrypoints (see docs/authzen.md for the input document):
#   authzen/search/evaluation  {"decision": bool}, defined for every input
#   authzen/search/candidates  every user, record or action of the data, by input.search
package authzen.search

search_data := data["authzen-search"]

default evaluation := {"decision": false}

evaluation := {"decision": true} if allowed

user := search_data.users[input.subject.id] if input.subject.type == "user"

record := search_data.records[input.resource.id] if input.resource.type == "record"

owns if record.owner == input.subject.id

same_department if record.department == user.department

manager if user.role == "manager"

allowed if {
	input.action.name == "view"
	user
	owns
}

allowed if {
	input.action.name == "view"
	same_department
}

allowed if {
	input.action.name == "view"
	record
	manager
}

allowed if {
	input.action.name == "edit"
	user
	owns
}

allowed if {
	input.action.name == "edit"
	manager
	same_department
}

allowed if {
	input.action.name == "delete"
	user
	owns
}

# Search: every entity of the kind searched for; the sidecar keeps those whose evaluation is true.
# Sets, so the candidates come in one stable (sorted) order, which pages are cut from.
default candidates := []

candidates := {{"type": "user", "id": id} | some id, _ in search_data.users} if {
	input.search == "subject"
	input.subject.type == "user"
}

candidates := {{"type": "record", "id": id} | some id, _ in search_data.records} if {
	input.search == "resource"
	input.resource.type == "record"
}

candidates := [{"name": name} | some name in search_data.actions] if input.search == "action"
