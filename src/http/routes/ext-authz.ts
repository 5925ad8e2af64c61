import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtAuthzCheck, ExtAuthzDecision } from '../../ext-authz/ext-authz-check.ts';
import { decideCheck } from '../../ext-authz/ext-authz-check.ts';
import { authorizationOf } from '../check-api.ts';
import type { HttpApi } from '../http-api.ts';
import { readRawBody } from '../read-body.ts';
import { sendJson } from '../send-json.ts';

/**
 * Envoy's HTTP ext_authz service under `extAuthz.http.pathPrefix`: Envoy replays the original
 * method and `<prefix><original path>`, with the Authorization header (one: two are a 400) and
 * the headers its `allowed_headers` lets through, and the body with `with_request_body`. 200
 * allows, with `x-authz-decision-id`, the policy's `headers` and `response_headers_to_add` (Envoy's
 * `allowed_upstream_headers` and `allowed_client_headers_on_success` pick where each goes) and its
 * `request_headers_to_remove` in `x-envoy-auth-headers-to-remove`; a denial answers the policy's
 * status (403 by default), headers and body (the decision as JSON by default); errors are answered
 * by the error writer (401 with the Bearer challenge, 400, 503), all of which Envoy denies.
 */
export async function extAuthzRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
  const prefix = api.config.extAuthz.http.pathPrefix!;
  const path = req.url!.slice(prefix.length, req.url!.length - (query === '' ? 0 : query.length + 1)) || '/';
  const authorization = authorizationOf(req);
  const body = api.config.extAuthz.input === 'envoy' ? (await readRawBody(req, api.config.http.maxBodyBytes))?.toString('utf8') : undefined;
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const target = query === '' ? path : `${path}?${query}`;
  const check: ExtAuthzCheck = {
    method: req.method!,
    target,
    host: req.headers.host,
    authorization,
    headers,
    body,
    document: () => ({
      attributes: { request: { http: { method: req.method, headers, path: target, ...(req.headers.host ? { host: req.headers.host } : {}), protocol: `HTTP/${req.httpVersion}`, ...(body ? { body } : {}) } } },
    }),
  };
  answer(res, await decideCheck(api, check));
}

/** Headers node writes itself; a policy's copy would make the answer malformed. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

function answer(res: ServerResponse, decision: ExtAuthzDecision): void {
  const d = decision.detail;
  const out: Record<string, string | string[]> = {};
  const add = (key: string, value: string): void => {
    if (FRAMING.has(key)) return;
    const seen = out[key];
    out[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  };
  for (const h of d.headers) add(h.key.toLowerCase(), h.value);
  if (decision.allow) {
    for (const h of d.responseHeadersToAdd) add(h.key.toLowerCase(), h.value);
    if (d.requestHeadersToRemove.length > 0) out['x-envoy-auth-headers-to-remove'] = d.requestHeadersToRemove.join(',');
    out['x-authz-decision-id'] = decision.decisionId;
    sendJson(res, 200, { allow: true, decision_id: decision.decisionId }, out as Record<string, string>);
    return;
  }
  out['x-authz-decision-id'] = decision.decisionId;
  if (d.body === undefined) {
    sendJson(res, d.httpStatus ?? 403, { allow: false, decision_id: decision.decisionId }, out as Record<string, string>);
    return;
  }
  res.writeHead(d.httpStatus ?? 403, { ...out, 'Content-Length': Buffer.byteLength(d.body) });
  res.end(d.body);
}
