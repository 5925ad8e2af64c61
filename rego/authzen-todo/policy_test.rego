package authzen.todo_test

import data.authzen.todo

rick := "CiRmZDA2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"

morty := "CiRmZDE2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"

beth := "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"

ask(subject, action, owner) := {
	"subject": {"type": "user", "id": subject},
	"action": {"name": action},
	"resource": {"type": "todo", "id": "t1", "properties": {"ownerID": owner}},
}

decision(subject, action, owner) if todo.evaluation.decision with input as ask(subject, action, owner)

test_viewer_reads if {
	decision(beth, "can_read_todos", "")
	decision(beth, "can_read_user", "")
}

test_viewer_cannot_create_or_change if {
	not decision(beth, "can_create_todo", "")
	not decision(beth, "can_update_todo", "beth@the-smiths.com")
	not decision(beth, "can_delete_todo", "beth@the-smiths.com")
}

test_editor_changes_only_own_todos if {
	decision(morty, "can_create_todo", "")
	decision(morty, "can_update_todo", "morty@the-citadel.com")
	decision(morty, "can_delete_todo", "morty@the-citadel.com")
	not decision(morty, "can_update_todo", "rick@the-citadel.com")
	not decision(morty, "can_delete_todo", "rick@the-citadel.com")
}

test_admin_and_evil_genius_change_any_todo if {
	decision(rick, "can_update_todo", "morty@the-citadel.com")
	decision(rick, "can_delete_todo", "morty@the-citadel.com")
}

test_unknown_subject_and_action_denied if {
	not decision("nobody", "can_read_todos", "")
	not decision(rick, "can_update_own_todo", "rick@the-citadel.com")
	todo.evaluation == {"decision": false} with input as {}
}

# The draft-00 payloads: subject.id is the e-mail, the owner is resource.ownerID.
test_draft_00_shape if {
	d := todo.evaluation.decision with input as {
		"subject": {"type": "user", "id": "morty@the-citadel.com", "identity": morty},
		"action": {"name": "can_update_todo"},
		"resource": {"type": "todo", "id": "t1", "ownerID": "morty@the-citadel.com"},
	}
	d == true
}

# Roles the sidecar knows from the IdP (input.claims) add to the PIP's.
test_claims_roles_add_to_the_pip if {
	d := todo.evaluation.decision with input as object.union(ask(beth, "can_create_todo", ""), {"claims": {"roles": ["editor"]}})
	d == true
	not todo.evaluation.decision with input as object.union(ask("nobody", "can_create_todo", ""), {"claims": {"roles": ["editor"]}})
}

test_candidates if {
	count(todo.candidates) == 5 with input as {"search": "subject", "subject": {"type": "user"}}
	{"name": "can_delete_todo"} in todo.candidates with input as {"search": "action"}
	{"type": "user", "id": "beth@the-smiths.com"} in todo.candidates with input as {"search": "resource", "resource": {"type": "user"}}
	todo.candidates == [] with input as {"search": "resource", "resource": {"type": "todo"}}
}
