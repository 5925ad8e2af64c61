import type { IncomingHttpHeaders } from 'node:http';
import { AUTHZEN_PATHS } from '../authzen/authzen-settings.ts';
import type { EvaluationResult, SearchAnswer } from '../authzen/types.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { errorAnswer } from './error-response.ts';

/**
 * The AuthZEN answer shapes (Authorization API 1.0 §5.5, §7.2, §8.3, §9). Only `decision` and the
 * policy's `context` are sent, nothing of ours: the interop runner compares a batch's answers with
 * `JSON.stringify` equality, and a PEP must be able to read them without knowing this sidecar.
 */

/** The answer to one evaluation: `{"decision", "context"?}`. */
export function decisionAnswer(r: EvaluationResult): Record<string, unknown> {
  return { decision: r.decision, ...(r.context ? { context: r.context } : {}) };
}

/**
 * The answer to a batch: each result in request order; an evaluation that failed is a deny with
 * `context.error` = `{status, code, message}` (the HTTP status and stable code its error would have
 * had alone, and the message error-response.ts would let a client see).
 */
export function evaluationsAnswer(results: readonly EvaluationResult[], log: ProcessLog): Record<string, unknown> {
  return {
    evaluations: results.map((r) => {
      if (!r.error) return decisionAnswer(r);
      const { status, body } = errorAnswer(r.error, log);
      return { decision: false, context: { error: { status, code: body.code, message: body.message } } };
    }),
  };
}

/** A search answer, `page` first (the spec recommends it, so a PEP can show progress from `count`). */
export function searchAnswer(a: SearchAnswer): Record<string, unknown> {
  return { ...(a.page ? { page: a.page } : {}), results: a.results };
}

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The base URL the PDP is served under: `authzen.baseUrl`, or `http://` and the request's Host (the
 * sidecar serves plain HTTP on loopback; behind a TLS proxy, set `authzen.baseUrl`). A PEP checks that
 * `policy_decision_point` equals the URL it fetched the metadata from (§9.2.3), so it is not invented.
 */
export function baseUrlOf(configured: string | undefined, headers: IncomingHttpHeaders): string {
  if (configured !== undefined) return configured;
  const host = headers.host;
  if (host === undefined || !HOST.test(host)) throw new SidecarError('invalid_request', 'the Host header is missing or not a host[:port]');
  return `http://${host}`;
}

/**
 * `GET /.well-known/authzen-configuration` (§9): the endpoints this sidecar serves, under `base`.
 * The search endpoints only when the active bundle can search. No `capabilities`: the IANA registry
 * of PDP capabilities has no entry yet, and a parameter without values must be omitted; no
 * `signed_metadata` either (docs/authzen.md, "Not supported").
 */
export function metadataAnswer(base: string, canSearch: boolean): Record<string, string> {
  return {
    policy_decision_point: base,
    access_evaluation_endpoint: base + AUTHZEN_PATHS.evaluation,
    access_evaluations_endpoint: base + AUTHZEN_PATHS.evaluations,
    ...(canSearch
      ? {
          search_subject_endpoint: base + AUTHZEN_PATHS.searchSubject,
          search_resource_endpoint: base + AUTHZEN_PATHS.searchResource,
          search_action_endpoint: base + AUTHZEN_PATHS.searchAction,
        }
      : {}),
  };
}
