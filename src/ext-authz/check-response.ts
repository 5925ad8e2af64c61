import { errorAnswer } from '../http/error-response.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import type { ExtAuthzDecision } from './ext-authz-check.ts';
import type { HeaderPair } from './envoy-result.ts';

/** google.rpc.Code values Envoy reads in CheckResponse.status and in a failed call. */
const GRPC = { OK: 0, INVALID_ARGUMENT: 3, PERMISSION_DENIED: 7, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** A CheckResponse (as a plain object for protobufjs' fromObject, proto field names), or a failed call. */
export type GrpcAnswer =
  | { readonly response: Record<string, unknown> }
  | { readonly error: { readonly code: number; readonly details: string; readonly decisionId: string | undefined } };

/**
 * A decision as Envoy's ext_authz filter reads it (opa-envoy-plugin's mapping, envoyauth/response.go):
 * allowed → status OK and an OkHttpResponse with `x-authz-decision-id` and the policy's headers
 * (set, overwriting what the client sent, so a client cannot pre-fill them), headers to remove,
 * response headers and query parameters; denied → PERMISSION_DENIED and a DeniedHttpResponse with
 * the policy's status (403 by default), headers and body (by default the decision as JSON). The
 * decision id is also in `dynamic_metadata.decision_id`, as opa-envoy-plugin puts it.
 */
export function decisionAnswer(decision: ExtAuthzDecision): GrpcAnswer {
  const d = decision.detail;
  const id = header('x-authz-decision-id', decision.decisionId, true);
  const dynamic_metadata = struct({ ...(d.dynamicMetadata ?? {}), decision_id: decision.decisionId });
  if (decision.allow) {
    return {
      response: {
        status: { code: GRPC.OK },
        ok_response: {
          headers: [id, ...d.headers.map((h) => header(h.key, h.value, true))],
          headers_to_remove: d.requestHeadersToRemove,
          response_headers_to_add: d.responseHeadersToAdd.map((h) => header(h.key, h.value, false)),
          query_parameters_to_set: d.queryParametersToSet.map((q: HeaderPair) => ({ key: q.key, value: q.value })),
          query_parameters_to_remove: d.queryParametersToRemove,
        },
        dynamic_metadata,
      },
    };
  }
  const body = d.body ?? JSON.stringify({ allow: false, decision_id: decision.decisionId });
  const type = d.body === undefined ? [header('content-type', 'application/json', true)] : [];
  return {
    response: {
      status: { code: GRPC.PERMISSION_DENIED },
      denied_response: { status: { code: d.httpStatus ?? 403 }, headers: [id, ...type, ...d.headers.map((h) => header(h.key, h.value, false))], body },
      dynamic_metadata,
    },
  };
}

/**
 * An error as Envoy expects it, failing closed: a caller's problem (400, 401 with the Bearer
 * challenge, 413) is a denied check with that status and the sidecar's JSON error body; a problem
 * of ours (5xx: not ready, IdP or keys unavailable, policy error) is a failed call (UNAVAILABLE or
 * INTERNAL; the decision id, when one was logged, in the trailer `x-authz-decision-id`), which Envoy answers with its `status_on_error` (403 by default) unless
 * `failure_mode_allow` is set, which the shipped configurations never do.
 */
export function errorAnswerOf(err: unknown, log: ProcessLog): GrpcAnswer {
  const answer = errorAnswer(err, log);
  if (answer.status >= 500) {
    return { error: { code: answer.status === 503 ? GRPC.UNAVAILABLE : GRPC.INTERNAL, details: `${answer.body.code}: ${answer.body.message}`, decisionId: answer.body.decision_id } };
  }
  const code = answer.status === 401 ? GRPC.UNAUTHENTICATED : answer.status === 400 ? GRPC.INVALID_ARGUMENT : GRPC.PERMISSION_DENIED;
  const headers = [
    ...Object.entries(answer.headers).filter(([k]) => k.toLowerCase() !== 'connection').map(([k, v]) => header(k.toLowerCase(), v, true)),
    header('content-type', 'application/json', true),
    ...(answer.body.decision_id ? [header('x-authz-decision-id', answer.body.decision_id, true)] : []),
  ];
  return {
    response: {
      status: { code, message: answer.body.message },
      denied_response: { status: { code: answer.status }, headers, body: JSON.stringify(answer.body) },
      ...(answer.body.decision_id ? { dynamic_metadata: struct({ decision_id: answer.body.decision_id }) } : {}),
    },
  };
}

function header(key: string, value: string, overwrite: boolean): Record<string, unknown> {
  return { header: { key, value }, ...(overwrite ? { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' } : {}) };
}

/**
 * JSON → google.protobuf.Struct (fields of Values), which protobufjs does not convert by itself.
 * The well-known types come from protobufjs' bundled definitions, whose field names are camelCase.
 */
function struct(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, value(v)])) };
}

function value(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(value) } };
  return { structValue: struct(v as Record<string, unknown>) };
}
