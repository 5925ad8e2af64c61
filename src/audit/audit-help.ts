/* The text of `authz-sidecar audit --help` and of each command's --help. */

const FILTERS = `Filters (every one given must match):
  --subject <sub>        the verified subject
  --result <r>           allow, deny (every decision that did not allow, errors included) or error
  --path <glob>          normalised request path; * within a segment, ** across ('/api/orders/**')
  --method <method>      request method
  --since <time>         ISO 8601 time, or a duration before now: 30s, 15m, 2h, 7d
  --until <time>         same forms
  --decision-id <id>     one decision
  --error-code <code>    failed decisions with this error code (invalid_token, claims_unavailable, ...)
  --revision <rev>       decided by this bundle revision
  --reason <text>        text in the reasons or the error message (case-insensitive)`;

/** `authz-sidecar audit --help`. */
export const AUDIT_HELP = `Usage: authz-sidecar audit <verify|query|stats|replay|serve> [options] <files...>

Reads decision logs written by the file sink (rotated files in any order; shell globs work).

  verify   check the hash chain (and signed checkpoints): modified, deleted, inserted, reordered
           or cut records, with where; exits 1 when any is found
  query    print the decisions that match filters
  stats    allows and denies, errors by code, the most denied paths and subjects
  replay   re-evaluate logged inputs against another bundle: which decisions would change
  serve    a local web page over the logs: verification, charts, filters, each decision, replay

Run 'authz-sidecar audit <command> --help' for its options. Full reference: docs/decision-log.md.`;

/** Each command's --help, by command. */
export const HELP: Record<string, string> = {
  verify: `Usage: authz-sidecar audit verify [--key <public key>] [--require-genesis] [--json] <files...>

Checks the hash chain across the given log files (put in rotation order) and reports every
modified, deleted, inserted or reordered record with its file and line. With --key, checkpoint
files among <files> (decisions.log.checkpoints) are checked too: a forged checkpoint, a rewritten
chain, or records cut from the end of the log are reported.

Options:
  --key <file>          public key of decisionLog.checkpoint.keyFile (PEM or JWK; the private key works too)
  --require-genesis     the log must start at its first record ever (seq 0): report records missing before
  --json                print the report as JSON
  -h, --help            show this help

Exit status: 0 intact, 1 problems found, 2 usage error or unreadable file.`,
  query: `Usage: authz-sidecar audit query [filters] [--limit <n>] [--json] <files...>

Prints matching decisions, one per line: time, outcome, subject, request, bundle revision,
decision id and reasons. --json prints each matching event as logged (JSON lines).

${FILTERS}

Options:
  --limit <n>           stop after n decisions
  --json                JSON lines
  -h, --help            show this help`,
  stats: `Usage: authz-sidecar audit stats [filters] [--top <n>] [--json] <files...>

Summarises the matching decisions: allows, denies, errors by code, bundle revisions, the most
denied paths and subjects.

${FILTERS}

Options:
  --top <n>             how many paths and subjects to rank (default 10)
  --json                print the summary as JSON
  -h, --help            show this help`,
  replay: `Usage: authz-sidecar audit replay --bundle <bundle.tar.gz> [options] [filters] <files...>

Re-evaluates each logged input against <bundle> and reports the decisions that would change
(allow -> deny, deny -> allow), before you roll the bundle out. Inputs are replayed as logged:
the claims the subject had then, minus what masking erased (such decisions are flagged).
Decisions that failed before the policy ran have no input and are counted as not replayable.

${FILTERS}

Options:
  --bundle <file>       the candidate bundle (required)
  --entrypoint <ep>     entrypoint to evaluate (default: the path logged with the decisions)
  --limit <n>           changed decisions listed (default 50; all are counted)
  --exit-code           exit 1 when any decision would change (for CI)
  --json                print the report as JSON
  -h, --help            show this help`,
  serve: `Usage: authz-sidecar audit serve [--key <public key>] [--bundle <bundle.tar.gz>] [--port <n>] [--host <addr>] <files...>

Indexes the logs once (streaming; the chain is verified in the same pass) and serves a read-only
page over them: the verification result, allows, denies and errors over time and by bundle
revision, the most denied subjects, paths, reasons and error codes, filters, every decision in
detail, and with --bundle which decisions the candidate bundle would change.
Full reference: docs/audit-explorer.md.

Options:
  --key <file>          public key of the checkpoints (as for audit verify)
  --require-genesis     the log must start at its first record ever (as for audit verify)
  --bundle <file>       a candidate bundle to replay every decision against (in the background)
  --entrypoint <ep>     entrypoint for the replay (default: the path logged with the decisions)
  --port <n>            port to listen on (default 8182; 0 picks a free one)
  --host <addr>         address to bind (default 127.0.0.1). Any other than loopback needs the
                        access token printed at start (the page URL carries it)
  -h, --help            show this help`,
};
