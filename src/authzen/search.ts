import { randomUUID } from 'node:crypto';
import type { Subject } from '../claims/enrich-claims.ts';
import { startDecision } from '../decision/record-decision.ts';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import { authzenInput, cachedClaimsOf, claimsOf, decisionOf } from './authzen-input.ts';
import { checkSubject, establishCaller, trustOf, type Caller } from './establish-caller.ts';
import type { AuthzenDeps } from './evaluate.ts';
import { createPageTokens } from './page-token.ts';
import type { Action, SearchAnswer, SearchRequest, SearchResultEntity } from './types.ts';

export type AuthzenSearcher = (req: SearchRequest) => Promise<SearchAnswer>;

/**
 * The AuthZEN search APIs. A policy provides search by listing candidates (`authzen.searchEntrypoint`,
 * with `input.search` set to the kind searched for); the sidecar evaluates each candidate with the
 * evaluation entrypoint, exactly as an evaluation request would, and answers those permitted. So a
 * search result always evaluates to `decision: true` (the spec's SHOULD), and the policy's rules are
 * written once. Pages are cut from that list, recomputed for every page, with page tokens that are
 * only an HMAC'd offset bound to the request (page-token.ts). One search is one decision-log event.
 *
 * A subject search ("who may do this?") names no subject, so it is the enforcement point's question:
 * a caller with a subject's token is refused (`forbidden`). The other searches are about the token's
 * subject, as evaluations are.
 */
export function createAuthzenSearch(deps: AuthzenDeps): AuthzenSearcher {
  const { settings } = deps;
  const pages = createPageTokens(settings.pageTokenKey);
  return async (req) => {
    const decisionId = randomUUID();
    const record = startDecision(deps, {
      decisionId,
      path: settings.searchEntrypoint,
      request: null,
      traceId: req.traceId,
      traceparent: req.traceparent,
      requestId: req.requestId,
    });
    try {
      const engine = searchingEngine(deps);
      record.engine(engine);
      if (req.kind === 'subject' && trustOf(req.authorization, settings) === 'token') {
        throw new SidecarError('forbidden', 'a subject search is an enforcement point\'s question: authenticate with authzen.pepToken (authzen.trust: pep)');
      }
      const caller = await establishCaller(deps, settings, req.authorization, record, engine);
      if (req.kind !== 'subject') checkSubject(caller, (req.subject as { id?: string }).id);
      const limit = Math.min(req.page?.limit ?? settings.searchPageSize, settings.searchPageSize);
      const asked = { kind: req.kind, subject: req.subject, action: req.action, resource: req.resource, context: req.context, limit };
      const offset = req.page?.token ? pages.offsetOf(req.page.token, asked) : 0;
      const { claims, enriched } = req.kind === 'subject' ? { claims: undefined, enriched: undefined } : await claimsOf(deps, caller, req.subject, engine);
      if (caller.trust === 'pep' && enriched) record.enriched(enriched);
      const input = authzenInput(req, caller.trust, claims, req.kind);
      record.input(input);
      const candidates = candidatesOf(engine.evaluate(input, settings.searchEntrypoint), req, settings.searchMaxCandidates);
      const permitted = candidates.filter((c) => permits(deps, engine, caller, req, c, claims));
      record.evaluated();
      const results = permitted.slice(offset, offset + limit);
      const next = limit > 0 && offset + limit < permitted.length ? pages.issue(asked, offset + limit) : '';
      record.finish({ allow: permitted.length > 0, reasons: [`${req.kind} search: ${permitted.length} of ${candidates.length} candidates permitted`] });
      const paged = req.page !== undefined || next !== '' || offset > 0;
      return { decisionId, results, ...(paged ? { page: { next_token: next, count: results.length, total: permitted.length } } : {}) };
    } catch (err) {
      const e = toSidecarError(err);
      record.finish({ allow: false }, e);
      e.decisionId = decisionId;
      throw e;
    }
  };
}

/** The active engine when it has both entrypoints a search needs; `not_found` otherwise (the metadata then lists no search endpoints). */
function searchingEngine(deps: AuthzenDeps): PolicyEngine {
  const engine = deps.engine();
  if (!engine) throw new SidecarError('not_ready', 'no policy bundle is active yet');
  const missing = [deps.settings.searchEntrypoint, deps.settings.entrypoint].filter((e) => !engine.entrypoints.includes(e));
  if (missing.length > 0) throw new SidecarError('not_found', `the active bundle cannot search: it has no entrypoint ${missing.map((m) => `'${m}'`).join(' or ')}`);
  return engine;
}

/**
 * Whether the policy permits the request with candidate `c` in place of the entity searched for:
 * the evaluation entrypoint, with the input an evaluation request would give it. `claims`: the
 * request's subject's; a subject search looks up each candidate's instead.
 */
function permits(deps: AuthzenDeps, engine: PolicyEngine, caller: Caller, req: SearchRequest, c: SearchResultEntity, claims: Subject | undefined): boolean {
  const q = {
    subject: req.kind === 'subject' ? c : req.subject,
    action: req.kind === 'action' ? (c as Action) : req.action,
    resource: req.kind === 'resource' ? c : req.resource,
    context: req.context,
  };
  const theirs = req.kind === 'subject' ? cachedClaimsOf(deps, c, engine).claims : claims;
  return decisionOf(engine.evaluate(authzenInput(q, caller.trust, theirs), deps.settings.entrypoint)).decision;
}

const fail = (problem: string): SidecarError => new SidecarError('policy_error', `authzen.searchEntrypoint ${problem}`);

/**
 * The candidates a search entrypoint listed: an array (undefined: none) of `{type, id}` entities of the
 * type searched for (others are left out: a search answers only that type), or of `{name}` actions.
 * Duplicates are dropped; more than `max` fails, since each candidate costs an evaluation.
 */
function candidatesOf(result: unknown, req: SearchRequest, max: number): SearchResultEntity[] {
  if (result === undefined) return [];
  if (!Array.isArray(result)) throw fail('must return an array of entities');
  if (result.length > max) throw fail(`listed ${result.length} candidates, more than authzen.searchMaxCandidates (${max})`);
  const type = req.kind === 'subject' ? req.subject.type : req.kind === 'resource' ? req.resource.type : undefined;
  const seen = new Set<string>();
  const out: SearchResultEntity[] = [];
  for (const c of result as unknown[]) {
    const o = (c !== null && typeof c === 'object' && !Array.isArray(c) ? c : {}) as Record<string, unknown>;
    const props = o['properties'] !== null && typeof o['properties'] === 'object' && !Array.isArray(o['properties']) ? { properties: o['properties'] } : {};
    let entity: SearchResultEntity;
    if (type === undefined) {
      if (typeof o['name'] !== 'string') throw fail('listed an action without a string "name"');
      entity = { name: o['name'], ...props };
    } else {
      if (typeof o['type'] !== 'string' || typeof o['id'] !== 'string') throw fail('listed an entity without string "type" and "id"');
      if (o['type'] !== type) continue;
      entity = { type: o['type'], id: o['id'], ...props };
    }
    const key = JSON.stringify(type === undefined ? [(entity as { name: string }).name] : [type, (entity as { id: string }).id]);
    if (!seen.has(key)) out.push(entity);
    seen.add(key);
  }
  return out;
}
