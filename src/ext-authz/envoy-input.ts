import type { Subject } from '../claims/enrich-claims.ts';
import type { NormalizedRequest } from '../request/normalize-request.ts';
import type { ExtAuthzCheck } from './ext-authz-check.ts';
import { parseBody } from './parse-body.ts';

const VERSION = Object.freeze({ ext_authz: 'v3', encoding: 'protojson' });

/**
 * opa-envoy-plugin's input document (envoyauth/request.go RequestToInput) plus our verified and
 * enriched `subject`: the check as `attributes` (protomap.ts), `parsed_path`, `parsed_query`,
 * `parsed_body`, `truncated_body`, `version` and `source_principal`. One difference, on purpose:
 * the path is the sidecar's normalised one (src/request/normalize-request.ts) in
 * `attributes.request.http.path` and `parsed_path` alike, so a policy that matches on either cannot
 * be walked past with `/public/../admin` or `//admin`; for a path already in normal form both are
 * what opa-envoy-plugin gives (the spelling Envoy received stays in the `:path` header).
 */
export function envoyInput(check: ExtAuthzCheck, request: NormalizedRequest, subject: Subject): Record<string, unknown> {
  const document = check.document();
  const q = check.target.indexOf('?');
  const path = q === -1 ? request.path : `${request.path}${check.target.slice(q)}`;
  const attributes = (document['attributes'] ?? {}) as Record<string, unknown>;
  const req = (attributes['request'] ?? {}) as Record<string, unknown>;
  const http = (req['http'] ?? {}) as Record<string, unknown>;
  const body = parseBody(check.headers, check.body);
  const principal = (attributes['source'] as { principal?: unknown } | undefined)?.principal;
  return {
    ...document,
    attributes: { ...attributes, request: { ...req, http: { ...http, path } } },
    version: VERSION,
    // opa-envoy-plugin splits the decoded path after its leading slashes: "/" is [""].
    parsed_path: request.segments.length === 0 ? [''] : request.segments,
    parsed_query: request.query,
    parsed_body: body.parsed,
    truncated_body: body.truncated,
    ...(typeof principal === 'string' && principal !== '' ? { source_principal: principal } : {}),
    subject,
  };
}
