import { STATUS_CODES } from 'node:http';
import { SidecarError } from '../errors/sidecar-error.ts';
import { interpret, type PolicyResult } from '../policy/policy-engine.ts';

export interface HeaderPair {
  readonly key: string;
  readonly value: string;
}

/** What an ext_authz answer carries beside allow/deny, from opa-envoy-plugin's result object. */
export interface EnvoyResult {
  /** Allowed: headers added to the request sent upstream. Denied: headers of the answer to the client. */
  readonly headers: readonly HeaderPair[];
  /** Allowed: headers added to the response sent to the client. */
  readonly responseHeadersToAdd: readonly HeaderPair[];
  /** Allowed: headers removed from the request before it goes upstream. */
  readonly requestHeadersToRemove: readonly string[];
  readonly queryParametersToSet: readonly HeaderPair[];
  readonly queryParametersToRemove: readonly string[];
  /** Denied: the HTTP status (default 403). */
  readonly httpStatus: number | undefined;
  /** Denied: the body sent to the client (default: the decision as JSON). */
  readonly body: string | undefined;
  readonly dynamicMetadata: Readonly<Record<string, unknown>> | undefined;
}

const EMPTY_RESULT: EnvoyResult = Object.freeze({
  headers: [],
  responseHeadersToAdd: [],
  requestHeadersToRemove: [],
  queryParametersToSet: [],
  queryParametersToRemove: [],
  httpStatus: undefined,
  body: undefined,
  dynamicMetadata: undefined,
});

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\u0000\r\n]/;

/**
 * Reads a policy result the way opa-envoy-plugin does (envoyauth/response.go): a boolean, or an
 * object whose `allowed` is a boolean, with optional `headers`, `response_headers_to_add`,
 * `request_headers_to_remove`, `query_parameters_to_set`, `query_parameters_to_remove`,
 * `http_status`, `body` and `dynamic_metadata`; our own `{allow, reasons}` is read too. An
 * undefined result denies. Anything malformed (a wrong type, a header name that is not an HTTP
 * token, CR/LF in a value, an unknown status) is `policy_error`, which fails closed, where
 * opa-envoy-plugin answers a gRPC error.
 */
export function interpretEnvoyResult(result: unknown): PolicyResult & { readonly detail: EnvoyResult } {
  if (result === undefined || typeof result === 'boolean') return { allow: result === true, reasons: undefined, detail: EMPTY_RESULT };
  if (result === null || typeof result !== 'object' || Array.isArray(result)) throw invalid(`the decision must be a boolean or an object, got ${describe(result)}`);
  const r = result as Record<string, unknown>;
  let allow: boolean;
  let reasons: readonly string[] | undefined;
  if (Object.hasOwn(r, 'allowed')) {
    if (typeof r['allowed'] !== 'boolean') throw invalid(`"allowed" must be a boolean, got ${describe(r['allowed'])}`);
    allow = r['allowed'];
  } else if (Object.hasOwn(r, 'allow')) {
    ({ allow, reasons } = interpret(r));
  } else {
    throw invalid('the decision object has no "allowed" key');
  }
  return {
    allow,
    reasons,
    detail: {
      headers: headerPairs(r['headers'], 'headers'),
      responseHeadersToAdd: headerPairs(r['response_headers_to_add'], 'response_headers_to_add'),
      requestHeadersToRemove: names(r['request_headers_to_remove'], 'request_headers_to_remove', true),
      queryParametersToSet: queryPairs(r['query_parameters_to_set']),
      queryParametersToRemove: names(r['query_parameters_to_remove'], 'query_parameters_to_remove', false),
      httpStatus: status(r['http_status']),
      body: optionalString(r['body'], 'body'),
      dynamicMetadata: metadata(r['dynamic_metadata']),
    },
  };
}

function invalid(message: string): SidecarError {
  return new SidecarError('policy_error', `invalid ext_authz decision: ${message}`);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** `{"x": "1"}`, `{"x": ["1", "2"]}`, or a list of such objects (several values of one header). */
function headerPairs(v: unknown, what: string): HeaderPair[] {
  if (v === undefined) return [];
  const objects = Array.isArray(v) ? v : [v];
  const out: HeaderPair[] = [];
  for (const o of objects) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalid(`"${what}" must be an object or a list of objects`);
    for (const [key, value] of Object.entries(o as Record<string, unknown>)) {
      if (!TOKEN.test(key)) throw invalid(`"${what}" has a header name that is not an HTTP token: ${JSON.stringify(key.slice(0, 40))}`);
      for (const one of Array.isArray(value) ? value : [value]) {
        if (typeof one !== 'string') throw invalid(`"${what}.${key}" must be a string or a list of strings`);
        if (BAD_VALUE.test(one)) throw invalid(`"${what}.${key}" contains CR, LF or NUL`);
        out.push({ key, value: one });
      }
    }
  }
  return out;
}

function names(v: unknown, what: string, header: boolean): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`"${what}" must be a list of strings`);
  if (header && v.some((x: string) => !TOKEN.test(x))) throw invalid(`"${what}" has a name that is not an HTTP token`);
  return v as string[];
}

function queryPairs(v: unknown): HeaderPair[] {
  if (v === undefined) return [];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('"query_parameters_to_set" must be an object');
  const out: HeaderPair[] = [];
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one !== 'string') throw invalid(`"query_parameters_to_set.${key}" must be a string or a list of strings`);
      out.push({ key, value: one });
    }
  }
  return out;
}

function status(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 599 || STATUS_CODES[v] === undefined) {
    throw invalid(`"http_status" must be an HTTP status code, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`"${what}" must be a string`);
  return v;
}

function metadata(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('"dynamic_metadata" must be an object');
  return v as Record<string, unknown>;
}
