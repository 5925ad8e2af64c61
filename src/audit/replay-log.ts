import { readFile } from 'node:fs/promises';
import { readBundle } from '../policy/read-bundle.ts';
import { createPolicyEngine, type PolicyEngine } from '../policy/policy-engine.ts';
import { toSidecarError } from '../errors/sidecar-error.ts';
import { eventMatcher, requestOf, subjectOf, type EventFilter } from './event-filter.ts';
import { readEvents } from './read-log.ts';

export interface ReplayOptions {
  /** The candidate bundle (.tar.gz from `opa build -t wasm`). */
  readonly bundle: string;
  /** Entrypoint to evaluate; default: the `path` logged with the first replayable decision. */
  readonly entrypoint?: string;
  readonly filter?: EventFilter;
  /** Changed decisions listed in full; all are counted. */
  readonly maxListed?: number;
  /** Called for every decision that would change (allow <-> deny), listed or not: the explorer groups them. */
  readonly onChange?: (change: ReplayChange) => void;
  /** Called every 10,000 decisions selected, with that count. */
  readonly onProgress?: (selected: number) => void;
}

export interface ReplayOutcome {
  readonly allow: boolean;
  readonly reasons?: readonly string[];
  readonly error?: string;
}

export interface ReplayChange {
  readonly at: string;
  readonly decision_id: string;
  readonly timestamp: string;
  readonly subject: string | undefined;
  readonly request: string | undefined;
  readonly before: ReplayOutcome;
  readonly after: ReplayOutcome;
  /** Masking changed this input: the policy saw values the replay does not. */
  readonly masked: boolean;
}

export interface ReplayReport {
  readonly bundle: string;
  readonly revision: string;
  readonly entrypoint: string | undefined;
  /** Revisions that made the logged decisions, with counts. */
  readonly loggedRevisions: readonly [string, number][];
  readonly selected: number;
  readonly replayed: number;
  readonly unchanged: number;
  readonly allowToDeny: number;
  readonly denyToAllow: number;
  /** Same allow/deny, other reasons or another error. */
  readonly reasonsChanged: number;
  /** No input logged (the decision failed before the policy ran) or it was erased whole. */
  readonly notReplayable: number;
  /** Replayed with erased or masked fields. */
  readonly maskedInputs: number;
  readonly changes: readonly ReplayChange[];
}

/**
 * Re-evaluates logged inputs against another bundle: which decisions would change if it were
 * rolled out. The input is replayed as logged, so claims are those the subject had then (not
 * now), and whatever masking removed is missing (such decisions are counted and flagged).
 */
export async function replayLog(files: readonly string[], options: ReplayOptions): Promise<ReplayReport> {
  const bundle = readBundle(await readFile(options.bundle));
  const match = eventMatcher(options.filter ?? {});
  const maxListed = options.maxListed ?? 50;
  let engine: PolicyEngine | undefined;
  let entrypoint = options.entrypoint;
  const revisions = new Map<string, number>();
  const changes: ReplayChange[] = [];
  const counts = { selected: 0, replayed: 0, unchanged: 0, allowToDeny: 0, denyToAllow: 0, reasonsChanged: 0, notReplayable: 0, maskedInputs: 0 };

  for await (const { where, event } of readEvents(files)) {
    if (!match(event)) continue;
    if (++counts.selected % 10_000 === 0) options.onProgress?.(counts.selected);
    for (const b of Object.values((event['bundles'] as Record<string, { revision?: unknown }>) ?? {})) {
      const rev = String(b?.revision);
      revisions.set(rev, (revisions.get(rev) ?? 0) + 1);
    }
    const erased = (event['erased'] as string[] | undefined) ?? [];
    if (!('input' in event) || erased.includes('/input')) {
      counts.notReplayable++;
      continue;
    }
    if (!engine) {
      entrypoint ??= typeof event['path'] === 'string' ? event['path'] : 'authz/decision';
      engine = await createPolicyEngine(bundle, { entrypoint, memoryInitialPages: 32, memoryMaxPages: 2048 });
    }
    const masked = [...erased, ...((event['masked'] as string[] | undefined) ?? [])].some((p) => p.startsWith('/input/'));
    if (masked) counts.maskedInputs++;
    counts.replayed++;
    const before = loggedOutcome(event);
    const after = decide(engine, event['input']);
    if (before.allow !== after.allow) {
      if (before.allow) counts.allowToDeny++;
      else counts.denyToAllow++;
    } else if (JSON.stringify(before.reasons ?? null) !== JSON.stringify(after.reasons ?? null) || before.error !== after.error) {
      counts.reasonsChanged++;
    } else {
      counts.unchanged++;
      continue;
    }
    if (before.allow !== after.allow && (changes.length < maxListed || options.onChange)) {
      const req = requestOf(event);
      const change: ReplayChange = {
        at: where,
        decision_id: String(event['decision_id']),
        timestamp: String(event['timestamp']),
        subject: subjectOf(event),
        request: req ? `${req.method} ${req.path}` : undefined,
        before,
        after,
        masked,
      };
      options.onChange?.(change);
      if (changes.length < maxListed) changes.push(change);
    }
  }
  return {
    bundle: options.bundle,
    revision: bundle.manifest.revision,
    entrypoint,
    loggedRevisions: [...revisions].sort((a, b) => b[1] - a[1]),
    ...counts,
    changes,
  };
}

function loggedOutcome(event: Record<string, unknown>): ReplayOutcome {
  const r = (event['result'] as { allow?: unknown; reasons?: unknown } | undefined) ?? {};
  const error = (event['error'] as { code?: unknown } | undefined)?.code;
  return {
    allow: r.allow === true,
    ...(Array.isArray(r.reasons) ? { reasons: r.reasons as string[] } : {}),
    ...(typeof error === 'string' ? { error } : {}),
  };
}

function decide(engine: PolicyEngine, input: unknown): ReplayOutcome {
  try {
    const r = engine.decide(input);
    return { allow: r.allow, ...(r.reasons ? { reasons: r.reasons } : {}) };
  } catch (err) {
    return { allow: false, error: toSidecarError(err, 'policy_error').code };
  }
}
