import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Action, AuthzenCall, Entity, Evaluation, EvaluationsSemantic, SearchKind, SearchRequest } from '../authzen/types.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { traceIdOf } from './trace-id.ts';

/**
 * The AuthZEN request contract (Authorization API 1.0 §5–§8), apart from how the bytes are read:
 * what the `/access/v1/*` routes accept. A required member missing or of the wrong type is 400
 * `invalid_request`, naming it. Unknown members are ignored, as the spec requires ("receivers MUST
 * ignore unknown fields"): at the top level they are dropped, inside subject, resource and action
 * they reach the policy as sent (the draft-00 interop payloads put the todo's owner there). This is
 * the opposite of `POST /authorize` (check-api.ts), which refuses unknown fields so a typo cannot go
 * unnoticed; AuthZEN must accept later versions' additions. A `null` optional member counts as absent.
 */

type Json = Record<string, unknown>;
const bad = (message: string): SidecarError => new SidecarError('invalid_request', message);

/** Longest `X-Request-ID` accepted: it is logged with every decision of the request. */
const MAX_REQUEST_ID = 256;
const SEMANTICS: readonly EvaluationsSemantic[] = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'];

/** The request id (`X-Request-ID`, or a new UUID when absent), the credential and the trace of an AuthZEN request. */
export function authzenCallOf(headers: IncomingHttpHeaders): AuthzenCall {
  return { authorization: headers.authorization, requestId: requestIdOf(headers), traceId: traceIdOf(headers.traceparent), traceparent: headers.traceparent };
}

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  if (typeof given !== 'string' || given === '') return randomUUID();
  if (given.length > MAX_REQUEST_ID) throw bad(`X-Request-ID is longer than ${MAX_REQUEST_ID} characters`);
  return given;
}

/** `POST /access/v1/evaluation`'s body. */
export function evaluationOf(body: unknown): Evaluation {
  return evaluation(object(body, 'the body', true)!, {}, '');
}

/**
 * `POST /access/v1/evaluations`'s body: the top-level subject, action, resource and context are
 * defaults for each item of `evaluations`. `single` when there is no item: the request is then one
 * evaluation of its top-level members, answered as `/access/v1/evaluation` answers.
 */
export function evaluationsOf(body: unknown, max: number): { evaluations: Evaluation[]; semantic: EvaluationsSemantic; single: boolean } {
  const b = object(body, 'the body', true)!;
  const items = b['evaluations'] ?? [];
  if (!Array.isArray(items)) throw bad('"evaluations" must be an array');
  const semantic = object(b['options'], 'options', false)?.['evaluations_semantic'] ?? 'execute_all';
  if (!SEMANTICS.includes(semantic as EvaluationsSemantic)) throw bad(`options.evaluations_semantic must be one of ${SEMANTICS.join(', ')}`);
  if (items.length === 0) return { evaluations: [evaluation(b, {}, '')], semantic: semantic as EvaluationsSemantic, single: true };
  if (items.length > max) throw bad(`at most ${max} evaluations per request (authzen.maxEvaluations), got ${items.length}`);
  const defaults: Json = {};
  for (const k of ['subject', 'action', 'resource', 'context']) {
    const v = object(b[k], k, false);
    if (v !== undefined) defaults[k] = v;
  }
  const evaluations = items.map((item: unknown, i) => evaluation(object(item, `evaluations[${i}]`, true)!, defaults, `evaluations[${i}].`));
  return { evaluations, semantic: semantic as EvaluationsSemantic, single: false };
}

/**
 * A search body. The entity searched for needs only its `type`: its `id`, if sent, is ignored (§8.4,
 * §8.5) and not passed on; an action search has no action (§8.6: one sent is ignored).
 */
export function searchOf(kind: SearchKind, body: unknown): Omit<SearchRequest, keyof AuthzenCall> {
  const b = object(body, 'the body', true)!;
  const page = object(b['page'], 'page', false);
  const token = page?.['token'] ?? undefined;
  const limit = page?.['limit'] ?? undefined;
  if (token !== undefined && typeof token !== 'string') throw bad('page.token must be a string');
  if (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0)) throw bad('page.limit must be a non-negative integer');
  const context = object(b['context'], 'context', false);
  return {
    kind,
    subject: kind === 'subject' ? typed(b['subject'], 'subject') : entity(b['subject'], 'subject'),
    resource: kind === 'resource' ? typed(b['resource'], 'resource') : entity(b['resource'], 'resource'),
    ...(kind === 'action' ? {} : { action: action(b['action'], 'action') }),
    ...(context !== undefined ? { context } : {}),
    page: page === undefined ? undefined : { ...(token !== undefined ? { token: token as string } : {}), ...(limit !== undefined ? { limit: limit as number } : {}) },
  };
}

function evaluation(b: Json, defaults: Json, where: string): Evaluation {
  const pick = (k: string): unknown => b[k] ?? defaults[k];
  const context = object(pick('context'), `${where}context`, false);
  return {
    subject: entity(pick('subject'), `${where}subject`),
    action: action(pick('action'), `${where}action`),
    resource: entity(pick('resource'), `${where}resource`),
    ...(context !== undefined ? { context } : {}),
  };
}

function object(v: unknown, where: string, required: boolean): Json | undefined {
  if (v === undefined || v === null) {
    if (required) throw bad(`${where} is required`);
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be an object`);
  return v as Json;
}

function string(o: Json, key: string, where: string): void {
  const v = o[key];
  if (v === undefined || v === null) throw bad(`${where}.${key} is required`);
  if (typeof v !== 'string') throw bad(`${where}.${key} must be a string`);
}

/** The members as sent, `properties` checked (and dropped when null). */
function withProperties(o: Json, where: string): Json {
  object(o['properties'], `${where}.properties`, false);
  if (o['properties'] !== null) return o;
  const { properties: _null, ...rest } = o;
  return rest;
}

function entity(v: unknown, where: string): Entity {
  const o = object(v, where, true)!;
  string(o, 'type', where);
  string(o, 'id', where);
  return withProperties(o, where) as Entity;
}

/** The entity searched for: `type` required, `id` ignored. */
function typed(v: unknown, where: string): { type: string } {
  const o = object(v, where, true)!;
  string(o, 'type', where);
  const { id: _ignored, ...rest } = withProperties(o, where);
  return rest as { type: string };
}

function action(v: unknown, where: string): Action {
  const o = object(v, where, true)!;
  string(o, 'name', where);
  return withProperties(o, where) as Action;
}
