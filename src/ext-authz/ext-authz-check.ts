import type { Decision } from '../decision/authorize.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { HttpApi } from '../http/http-api.ts';
import { requireReady } from '../http/require-ready.ts';
import { traceIdOf } from '../http/trace-id.ts';
import { normalizeRequest } from '../request/normalize-request.ts';
import { envoyInput } from './envoy-input.ts';
import { interpretEnvoyResult, type EnvoyResult } from './envoy-result.ts';

/** One ext_authz check as a front door read it from Envoy (gRPC CheckRequest or HTTP service request). */
export interface ExtAuthzCheck {
  /** The original request's method. */
  readonly method: string;
  /** The original request's path and query, as Envoy sent them. */
  readonly target: string;
  readonly host: string | undefined;
  /** The one Authorization header (the front door refused the check if there were several). */
  readonly authorization: string | undefined;
  /** The original request's headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The original request's body, when Envoy sent it (`with_request_body`). */
  readonly body: string | undefined;
  /** opa-envoy-plugin's rendering of the check (its top-level fields: `attributes`); built only for `extAuthz.input: envoy`. */
  readonly document: () => Record<string, unknown>;
}

/** What ext_authz needs of the generation in service. */
export type ExtAuthzApi = Pick<HttpApi, 'config' | 'authorize' | 'whyCannotDecide'>;

export interface ExtAuthzDecision extends Decision {
  readonly detail: EnvoyResult;
}

const HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The pipeline of `/authorize` for an ext_authz check: the readiness gate, the path normalised
 * exactly as everywhere else (a path it refuses is `invalid_request`), the host checked, then the
 * authorizer with the input document `extAuthz.input` names and opa-envoy-plugin's reading of the
 * result. Errors are SidecarErrors for the front door to answer.
 */
export async function decideCheck(api: ExtAuthzApi, check: ExtAuthzCheck): Promise<ExtAuthzDecision> {
  requireReady(api);
  const request = normalizeRequest(check.method, check.target);
  const host = check.host;
  if (host !== undefined && !HOST.test(host)) throw new SidecarError('invalid_request', 'the checked request has an invalid host');
  const traceparent = check.headers['traceparent'];
  const decision = await api.authorize({
    authorization: check.authorization,
    request,
    traceId: traceIdOf(traceparent),
    traceparent,
    input:
      api.config.extAuthz.input === 'envoy'
        ? (subject) => envoyInput(check, request, subject)
        : (subject) => ({ subject, request: host === undefined ? request : { ...request, host } }),
    interpret: interpretEnvoyResult,
  });
  return decision as ExtAuthzDecision;
}
