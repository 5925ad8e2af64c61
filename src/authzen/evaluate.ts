import { randomUUID } from 'node:crypto';
import type { AuthorizerDeps } from '../decision/authorize.ts';
import { startDecision, type DecisionContext, type DecisionRecord } from '../decision/record-decision.ts';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import { authzenInput, claimsOf, decisionOf, type ClaimsLookup } from './authzen-input.ts';
import type { AuthzenSettings } from './authzen-settings.ts';
import { checkSubject, establishCaller, type Caller } from './establish-caller.ts';
import type { Evaluation, EvaluationResult, EvaluationsRequest, EvaluationsSemantic } from './types.ts';

export interface AuthzenDeps extends AuthorizerDeps, ClaimsLookup {
  readonly settings: AuthzenSettings;
}

/** Answers an AuthZEN evaluations request: one result per evaluation made, in request order. */
export type AuthzenEvaluator = (req: EvaluationsRequest) => Promise<readonly EvaluationResult[]>;

/**
 * The AuthZEN evaluation pipeline. The caller is established once per request, so a batch of 100
 * evaluations about one subject costs one token verification and one claims lookup, not 100; then
 * each evaluation, in order, is one policy evaluation and one decision-log event (with the
 * request's id). An evaluation that fails is a deny carrying its error, and the semantic decides
 * where the batch stops. When the caller cannot be established (a bad token, no PEP credential),
 * the request fails as a whole: one event, and the error for the HTTP layer.
 */
export function createAuthzenEvaluator(deps: AuthzenDeps): AuthzenEvaluator {
  const { settings } = deps;
  return async (req) => {
    const context = (): DecisionContext => ({
      decisionId: randomUUID(),
      path: settings.entrypoint,
      request: null,
      traceId: req.traceId,
      traceparent: req.traceparent,
      requestId: req.requestId,
    });
    const firstContext = context();
    const first = startDecision(deps, firstContext);
    let engine: PolicyEngine;
    let caller: Caller;
    try {
      const active = deps.engine();
      if (!active) throw new SidecarError('not_ready', 'no policy bundle is active yet');
      engine = active;
      first.engine(engine);
      if (!engine.entrypoints.includes(settings.entrypoint)) {
        throw new SidecarError('not_found', `the active bundle has no entrypoint '${settings.entrypoint}' (authzen.entrypoint); it has: ${engine.entrypoints.join(', ')}`);
      }
      caller = await establishCaller(deps, settings, req.authorization, first, engine);
    } catch (err) {
      const e = toSidecarError(err);
      first.finish({ allow: false }, e);
      e.decisionId = firstContext.decisionId;
      throw e;
    }
    const results: EvaluationResult[] = [];
    const looked: Looked = new Map();
    for (let i = 0; i < req.evaluations.length; i++) {
      const ctx = i === 0 ? firstContext : context();
      const record = i === 0 ? first : startDecision(deps, ctx);
      const result = await evaluateOne(deps, engine, caller, req.evaluations[i]!, { record, decisionId: ctx.decisionId, index: i, looked });
      results.push(result);
      if (stops(req.semantic, result.decision)) break;
    }
    return results;
  };
}

/** `deny_on_first_deny` stops after a deny (an error included), `permit_on_first_permit` after a permit. */
function stops(semantic: EvaluationsSemantic, decision: boolean): boolean {
  return semantic === 'deny_on_first_deny' ? !decision : semantic === 'permit_on_first_permit' ? decision : false;
}

/** The claims this request already looked up, by asserted subject id. */
type Looked = Map<string, Awaited<ReturnType<typeof claimsOf>>>;

interface Item {
  readonly record: DecisionRecord;
  readonly decisionId: string;
  readonly index: number;
  readonly looked: Looked;
}

/**
 * One evaluation, logged once whatever its outcome. Claims are established once per request (once
 * per asserted subject, which may call claims.subjectLookup): the decisions after the first that use
 * them are logged with `cache: "reused"`, so the claims-cache metrics count the one lookup made, not
 * one per item.
 */
async function evaluateOne(deps: AuthzenDeps, engine: PolicyEngine, caller: Caller, q: Evaluation, item: Item): Promise<EvaluationResult> {
  const { record, decisionId } = item;
  try {
    record.engine(engine);
    let claims;
    if (caller.trust === 'token') {
      if (item.index > 0) {
        record.verified(caller.verified);
        record.enriched({ ...caller.enriched, cache: 'reused' });
      }
      checkSubject(caller, q.subject.id);
      claims = caller.subject;
    } else {
      const known = item.looked.get(q.subject.id);
      const found = known ?? (await claimsOf(deps, caller, q.subject, engine));
      item.looked.set(q.subject.id, found);
      if (found.enriched) record.enriched(known ? { ...found.enriched, cache: 'reused' } : found.enriched);
      claims = found.claims;
    }
    const input = authzenInput(q, caller.trust, claims);
    record.input(input);
    const d = decisionOf(engine.evaluate(input, deps.settings.entrypoint));
    record.evaluated();
    record.finish(d.reasons ? { allow: d.decision, reasons: d.reasons } : { allow: d.decision });
    return { decisionId, decision: d.decision, ...(d.context ? { context: d.context } : {}) };
  } catch (err) {
    const e = toSidecarError(err);
    record.finish({ allow: false }, e);
    e.decisionId = decisionId;
    return { decisionId, decision: false, error: e };
  }
}
