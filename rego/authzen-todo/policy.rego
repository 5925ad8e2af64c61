# The OpenID AuthZEN interop "Todo" scenario as an AuthZEN policy for authz-sidecar, written from the
# scenario's published description (openid/authzen, interop/authzen-interop-website/docs/scenarios/
# todo-1.1/index.md; the vendored decisions it must reproduce are in test/fixtures/authzen/todo/).
#
# Data (rego/authzen-todo/data.json, loaded as data["authzen-todo"]; a Rego package cannot carry the
# directory's hyphen, so the rules live in package authzen.todo and the directory's `entrypoints`
# file names them):
#   users:            the scenario's PIP: subject id (the IdP's "PID") -> {id (e-mail), name, roles, ...}
#   role_permissions: role -> permissions; "can_update_own_todo"/"can_delete_own_todo" need ownership
#   actions:          the five actions of the scenario (the candidates of an action search)
#
# Entrypoints (see docs/authzen.md for the input document):
#   authzen/todo/evaluation  {"decision": bool}, defined for every input
#   authzen/todo/candidates  the subjects, resources (users) or actions a search may return
#
# The roles:
#   viewer      can_read_user, can_read_todos
#   editor      viewer + can_create_todo, update and delete the todos it owns
#   admin       editor + delete any todo
#   evil_genius editor + update any todo
package authzen.todo

todo_data := data["authzen-todo"]

default evaluation := {"decision": false}

evaluation := {"decision": true} if allowed

# ---------------------------------------------------------------------------------------
# Who asks. AuthZEN 1.0 sends the PID as subject.id; the draft-00 payloads sent the e-mail as
# subject.id (and the PID as subject.identity): both name the same user.

user_key := input.subject.id if todo_data.users[input.subject.id]

user_key := pid if {
	not todo_data.users[input.subject.id]
	some pid, u in todo_data.users
	u.id == input.subject.id
}

user := todo_data.users[user_key]

# The PIP's roles, plus any the sidecar knows from the IdP for this subject (input.claims: the
# verified token's, or the claims cache's for a PEP-asserted subject).
roles contains role if some role in user.roles

roles contains role if {
	user
	is_array(input.claims.roles)
	some role in input.claims.roles
	is_string(role)
}

permissions contains p if {
	some role in roles
	some p in todo_data.role_permissions[role]
}

# ---------------------------------------------------------------------------------------
# What is asked about. The todo's owner is resource.properties.ownerID (AuthZEN 1.0), or
# resource.ownerID in the draft-00 payloads.

action := input.action.name

owner := input.resource.properties.ownerID

owner := input.resource.ownerID if not input.resource.properties.ownerID

owns if owner == user.id

# ---------------------------------------------------------------------------------------
# The rules.

allowed if {
	action in {"can_read_user", "can_read_todos", "can_create_todo", "can_update_todo", "can_delete_todo"}
	action in permissions
}

allowed if {
	action == "can_update_todo"
	"can_update_own_todo" in permissions
	owns
}

allowed if {
	action == "can_delete_todo"
	"can_delete_own_todo" in permissions
	owns
}

# ---------------------------------------------------------------------------------------
# Search: the candidates of each kind; the sidecar keeps those whose evaluation is true.
# Sets, so the candidates come in one stable (sorted) order, which pages are cut from.
# Todos are not known to the policy (the PEP sends the owner with each request), so a resource
# search lists users only.

candidates := {{"type": "user", "id": pid} | some pid, _ in todo_data.users} if input.search == "subject"

candidates := {{"type": "user", "id": u.id} | some u in todo_data.users} if {
	input.search == "resource"
	input.resource.type == "user"
}

candidates := [{"name": name} | some name in todo_data.actions] if input.search == "action"

default candidates := []
