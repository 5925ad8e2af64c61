import { SidecarError } from '../errors/sidecar-error.ts';
import { findJsonHazard } from '../lib/json-hazard.ts';

/** Deepest nesting accepted in a JSON body handed to the policy, as for `/authorize` bodies. */
const MAX_DEPTH = 32;

export interface ParsedBody {
  /** opa-envoy-plugin's `parsed_body`: null when nothing was parsed. */
  readonly parsed: unknown;
  /** opa-envoy-plugin's `truncated_body`. */
  readonly truncated: boolean;
}

/**
 * The body of the checked request as opa-envoy-plugin parses it (envoyauth/request.go
 * getParsedBody): JSON and form bodies, by their Content-Type; none when Envoy marked the body
 * partial (`x-envoy-auth-partial-body: true`) or it is shorter than its Content-Length. A body
 * that does not parse is `invalid_request` (a denied check, as opa-envoy-plugin answers 400), and
 * so is JSON that parsers disagree on (duplicate names, `__proto__`, nesting deeper than 32).
 * Multipart and gRPC bodies are not parsed (docs/envoy.md, "Not supported").
 */
export function parseBody(headers: Readonly<Record<string, string>>, body: string | undefined): ParsedBody {
  if (headers['x-envoy-auth-partial-body'] === 'true') return { parsed: null, truncated: true };
  const type = headers['content-type'];
  if (type === undefined || body === undefined || body === '') return { parsed: null, truncated: false };
  const json = type.includes('application/json');
  if (!json && !type.includes('application/x-www-form-urlencoded')) return { parsed: null, truncated: false };
  const declared = headers['content-length'];
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared)) throw new SidecarError('invalid_request', 'the checked request has an invalid Content-Length');
    if (Number(declared) > Buffer.byteLength(body)) return { parsed: null, truncated: true };
  }
  if (!json) {
    const form: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    for (const [k, v] of new URLSearchParams(body)) (form[k] ??= []).push(v);
    return { parsed: form, truncated: false };
  }
  const hazard = findJsonHazard(body, MAX_DEPTH);
  if (hazard) throw new SidecarError('invalid_request', `the checked request's JSON body ${hazard}`);
  try {
    return { parsed: JSON.parse(body), truncated: false };
  } catch {
    throw new SidecarError('invalid_request', "the checked request's JSON body is not valid JSON");
  }
}
