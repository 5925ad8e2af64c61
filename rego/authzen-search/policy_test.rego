package authzen.search_test

import data.authzen.search

decision(user, action, record) if {
	search.evaluation.decision with input as {
		"subject": {"type": "user", "id": user},
		"action": {"name": action},
		"resource": {"type": "record", "id": record},
	}
}

# Rows of the scenario's tables (docs/scenarios/search/index.md).
test_view if {
	decision("bob", "view", "101") # same department (Legal)
	decision("dan", "view", "107") # manager
	decision("alice", "view", "101") # owner
	not decision("erin", "view", "101")
}

test_edit if {
	decision("alice", "edit", "110") # manager of Sales
	decision("dan", "edit", "110") # owner
	not decision("bob", "edit", "101") # same department, not a manager
}

test_delete_only_own if {
	decision("dan", "delete", "110")
	not decision("alice", "delete", "110")
}

test_wrong_types_and_unknowns_denied if {
	not search.evaluation.decision with input as {"subject": {"type": "group", "id": "alice"}, "action": {"name": "view"}, "resource": {"type": "record", "id": "101"}}
	not search.evaluation.decision with input as {"subject": {"type": "user", "id": "alice"}, "action": {"name": "view"}, "resource": {"type": "document", "id": "101"}}
	not decision("alice", "print", "101")
	not decision("zed", "view", "101")
}

test_candidates if {
	count(search.candidates) == 6 with input as {"search": "subject", "subject": {"type": "user"}}
	count(search.candidates) == 20 with input as {"search": "resource", "resource": {"type": "record"}}
	search.candidates == [{"name": "view"}, {"name": "edit"}, {"name": "delete"}] with input as {"search": "action"}
	search.candidates == [] with input as {"search": "resource", "resource": {"type": "user"}}
}
