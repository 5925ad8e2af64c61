import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type protobuf from 'protobufjs';
import { decisionAnswer } from '../../src/ext-authz/check-response.ts';
import { envoyProtos } from '../../src/ext-authz/envoy-protos.ts';
import { envoyInput } from '../../src/ext-authz/envoy-input.ts';
import { interpretEnvoyResult } from '../../src/ext-authz/envoy-result.ts';
import { checkOfGrpc } from '../../src/ext-authz/grpc-check.ts';
import { jsonName } from '../../src/ext-authz/protomap.ts';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/policy-engine.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { normalizeRequest } from '../../src/request/normalize-request.ts';
import { buildBundle, ROOT, tempDir } from '../helpers/bundles.ts';
import { extAuthzClient } from '../helpers/ext-authz-client.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';

/**
 * opa-envoy-plugin's own example policies and requests (test/fixtures/opa-envoy-plugin, vendored
 * with attribution), compiled to Wasm by the pinned opa, must give the answers opa-envoy-plugin's
 * tests and docs give: allowed or denied, and the headers, status, body, query parameters and
 * dynamic metadata of the CheckResponse. Twice: through the real gRPC listener (`extAuthz.input:
 * envoy`, a real bearer token added to the request) for the policies that do not read the
 * Authorization header themselves, and at the policy layer (the same input builder, engine and
 * response mapping, without token verification) for all of them.
 */
const FIXTURES = join(ROOT, 'test/fixtures/opa-envoy-plugin');
const { CheckRequest, CheckResponse } = envoyProtos();
const TO_OBJECT: protobuf.IConversionOptions = { enums: Number, longs: Number, defaults: false, oneofs: false, bytes: String };

interface Summary {
  code: number;
  headers: string[];
  headersToRemove?: string[];
  responseHeadersToAdd?: string[];
  queryToSet?: string[];
  queryToRemove?: string[];
  status?: number;
  body?: string;
  metadata?: Record<string, unknown>;
}

interface Case {
  readonly policy: string;
  readonly entrypoint: string;
  readonly request: string | Record<string, unknown>;
  /** What opa-envoy-plugin's test (or doc) asserts, in the summary's terms. */
  readonly expect: Partial<Summary> & { code: number };
  /** The policy reads the Authorization header itself (Basic credentials): policy layer only. */
  readonly readsAuthorization?: boolean;
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:password`).toString('base64')}`;
const istio = (user: string, path: string, method = 'GET') => ({ attributes: { request: { http: { method, path, headers: { authorization: basic(user) } } } } });
const people = (path: string, extra: Record<string, unknown> = {}) => ({ attributes: { request: { http: { method: 'POST', path, headers: {}, ...extra } } } });

const CASES: Record<string, Case> = {
  'TestCheckAllow: bob (admin) GET /api/v1/products': { policy: 'rbac', entrypoint: 'envoy/authz/result', request: 'allowed', readsAuthorization: true, expect: { code: 0, headers: ['baz: qux', 'foo: bar'], headersToRemove: ['foo', 'bar', 'baz', 'qux'], responseHeadersToAdd: ['baz: qux', 'foo: bar'], queryToRemove: ['foo', 'bar', 'baz', 'qux'], queryToSet: ['baz=quux', 'baz=qux', 'foo=bar'] } },
  'TestCheckDeny: alice (guest) GET /api/v1/products': { policy: 'rbac', entrypoint: 'envoy/authz/result', request: 'denied', readsAuthorization: true, expect: { code: 7 } },
  'TestCheckAllowParsedPath': { policy: 'rbac', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-path', expect: { code: 0 } },
  'TestCheckAllowParsedBody': { policy: 'rbac', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-body', expect: { code: 0 } },
  'TestCheckDenyParsedBody': { policy: 'rbac', entrypoint: 'envoy/authz/result', request: 'denied-parsed-body', expect: { code: 7 } },
  'TestCheckAllowObjectDecision': { policy: 'object-decision', entrypoint: 'envoy/authz/allow', request: 'allowed-parsed-path', expect: { code: 0, headers: ['x: hello', 'y: world'], metadata: { test: 'foo', bar: 'baz' } } },
  'TestCheckDenyObjectDecision': { policy: 'object-decision', entrypoint: 'envoy/authz/allow', request: 'denied', expect: { code: 7, headers: ['baz: taz', 'foo: bar'], body: 'Unauthorized Request', status: 301, metadata: { test: 'foo', bar: 'baz' } } },
  'TestCheckAllowObjectDecisionDynamicMetadata': { policy: 'dynamic-metadata', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-path', expect: { code: 0, metadata: { foo: 'bar', bar: 'baz' } } },
  'TestCheckAllowBooleanDecisionDynamicMetadata': { policy: 'boolean-decision', entrypoint: 'envoy/authz/allow', request: 'allowed-parsed-path', expect: { code: 0, metadata: {} } },
  'TestCheckAllowObjectDecisionReqQueryParamsToRemove': { policy: 'query-parameters-to-remove', entrypoint: 'envoy/authz/result', request: 'allowed', expect: { code: 0, queryToRemove: ['foo', 'bar'] } },
  'TestCheckAllowObjectDecisionReqQueryParamsToSet': { policy: 'query-parameters-to-set', entrypoint: 'envoy/authz/result', request: 'allowed', expect: { code: 0, queryToSet: ['bar=value2', 'bar=value3', 'foo=value1'] } },
  'TestCheckAllowObjectDecisionReqHeadersToRemove': { policy: 'request-headers-to-remove', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-path', expect: { code: 0, headersToRemove: ['foo', 'bar'] } },
  'TestCheckAllowObjectDecisionResponseHeadersToAdd': { policy: 'response-headers-to-add', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-path', expect: { code: 0, responseHeadersToAdd: ['x: hello', 'y: world'] } },
  'TestCheckAllowObjectDecisionMultiValuedHeaders': { policy: 'multi-valued-headers', entrypoint: 'envoy/authz/result', request: 'allowed-parsed-path', expect: { code: 0, headers: [], responseHeadersToAdd: ['x: hello', 'x: world'] } },
  'TestCheckAllowWithSpiffeDecision': { policy: 'spiffe', entrypoint: 'envoy/authz/result', request: 'spiffe-allowed', expect: { code: 0 } },
  'TestCheckDenyWithSpiffeDecision': { policy: 'spiffe', entrypoint: 'envoy/authz/result', request: 'spiffe-denied', expect: { code: 7 } },
  'TestCheckDenyDecisionTruncatedBodyWithLogger': { policy: 'truncated-body', entrypoint: 'envoy/authz/allow', request: 'truncated-body', expect: { code: 7 } },
  'istio README: alice (guest) GET /productpage': { policy: 'istio', entrypoint: 'istio/authz/allow', request: istio('alice', '/productpage'), readsAuthorization: true, expect: { code: 0 } },
  'istio README: alice (guest) GET /api/v1/products': { policy: 'istio', entrypoint: 'istio/authz/allow', request: istio('alice', '/api/v1/products'), readsAuthorization: true, expect: { code: 7 } },
  'istio README: bob (admin) GET /api/v1/products': { policy: 'istio', entrypoint: 'istio/authz/allow', request: istio('bob', '/api/v1/products'), readsAuthorization: true, expect: { code: 0 } },
  'istio README: the health check GET /health': { policy: 'istio', entrypoint: 'istio/authz/allow', request: istio('nobody', '/health'), expect: { code: 0 } },
  'istio README: DELETE /health is not the health check': { policy: 'istio', entrypoint: 'istio/authz/allow', request: istio('nobody', '/health', 'DELETE'), expect: { code: 7 } },
  'primer: parsed_path allows /people': { policy: 'primer-parsed-path', entrypoint: 'envoy/authz/allow', request: people('/people'), expect: { code: 0 } },
  'primer: parsed_path denies /people/1': { policy: 'primer-parsed-path', entrypoint: 'envoy/authz/allow', request: people('/people/1'), expect: { code: 7 } },
  'primer: parsed_query allows /people?lang=en&id=1&id=2': { policy: 'primer-parsed-query', entrypoint: 'envoy/authz/allow', request: people('/people?lang=en&id=1&id=2'), expect: { code: 0 } },
  'primer: parsed_query denies /people?lang=en&id=1': { policy: 'primer-parsed-query', entrypoint: 'envoy/authz/allow', request: people('/people?lang=en&id=1'), expect: { code: 7 } },
  'primer: parsed_body allows Charlie Opa': { policy: 'primer-parsed-body', entrypoint: 'envoy/authz/allow', request: people('/people', { headers: { 'content-type': 'application/json' }, body: '{"firstname":"Charlie", "lastname":"Opa"}' }), expect: { code: 0 } },
  'primer: parsed_body denies Charlie Rego': { policy: 'primer-parsed-body', entrypoint: 'envoy/authz/allow', request: people('/people', { headers: { 'content-type': 'application/json' }, body: '{"firstname":"Charlie", "lastname":"Rego"}' }), expect: { code: 7 } },
};

/** A vendored request (JSON names, as opa-envoy-plugin's tests write them) → proto names; Envoy always sends a path, so "/" when it has none. */
function requestOf(c: Case): Record<string, unknown> {
  const raw = typeof c.request === 'string' ? (parseYaml(readFileSync(join(FIXTURES, `requests/${c.request}.yaml`), 'utf8')) as Record<string, unknown>) : structuredClone(c.request);
  const http = ((raw['attributes'] as any).request.http ??= {}) as Record<string, unknown>;
  http['path'] ??= '/';
  return protoNames(raw, CheckRequest);
}

function protoNames(o: Record<string, unknown>, type: protobuf.Type): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const field = type.fieldsArray.find((f) => f.name === k || jsonName(f.name) === k);
    if (!field) throw new Error(`no field ${k} in ${type.fullName}`);
    out[field.name] = field.resolvedType && 'fieldsArray' in field.resolvedType && !field.map && v && typeof v === 'object' ? protoNames(v as Record<string, unknown>, field.resolvedType as protobuf.Type) : v;
  }
  return out;
}

function summary(r: Record<string, any>): Summary {
  const pairs = (hs: any[] | undefined) => (hs ?? []).map((h) => `${h.header.key}: ${h.header.value}`).filter((h) => !/^(x-authz-decision-id|content-type): /.test(h)).sort();
  const ok = r['ok_response'];
  const denied = r['denied_response'];
  const meta = Object.fromEntries(Object.entries(r['dynamic_metadata']?.fields ?? {}).map(([k, v]: [string, any]) => [k, v.stringValue ?? v.numberValue ?? v.boolValue]));
  delete meta['decision_id'];
  return {
    code: r['status']?.code ?? 0,
    headers: pairs(ok ? ok.headers : denied?.headers),
    headersToRemove: ok?.headers_to_remove ?? [],
    responseHeadersToAdd: pairs(ok?.response_headers_to_add),
    queryToSet: (ok?.query_parameters_to_set ?? []).map((q: any) => `${q.key}=${q.value}`).sort(),
    queryToRemove: ok?.query_parameters_to_remove ?? [],
    ...(denied ? { status: denied.status?.code, body: denied.body } : {}),
    metadata: meta,
  };
}

function assertAnswer(got: Summary, expect: Case['expect'], where: string): void {
  for (const [k, v] of Object.entries(expect)) assert.deepEqual(got[k as keyof Summary], v, `${where}: ${k} in ${JSON.stringify(got)}`);
}

const engines = new Map<string, PolicyEngine>();
const bundles = new Map<string, string>();
function bundleOf(c: Case): string {
  const key = `${c.policy} ${c.entrypoint}`;
  if (!bundles.has(key)) {
    const pkg = c.entrypoint.split('/').slice(0, -1).join('.');
    bundles.set(key, buildBundle(join(FIXTURES, 'policies', c.policy), join(tempDir(), `${c.policy}.tar.gz`), pkg, undefined, [c.entrypoint]));
  }
  return bundles.get(key)!;
}

describe('opa-envoy-plugin examples at the policy layer (input document, Wasm engine, response mapping)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const key = `${c.policy} ${c.entrypoint}`;
      if (!engines.has(key)) engines.set(key, await createPolicyEngine(readBundle(readFileSync(bundleOf(c))), { entrypoint: c.entrypoint, memoryInitialPages: 32, memoryMaxPages: 2048 }));
      const wire = CheckRequest.decode(CheckRequest.encode(CheckRequest.fromObject(requestOf(c))).finish());
      const check = checkOfGrpc(wire, CheckRequest);
      const input = envoyInput(check, normalizeRequest(check.method, check.target), undefined as never);
      const result = interpretEnvoyResult(engines.get(key)!.result(input));
      const answer = decisionAnswer({ decisionId: '00000000-0000-4000-8000-000000000000', revision: '', input, ...result });
      assert.ok('response' in answer);
      const back = CheckResponse.toObject(CheckResponse.decode(CheckResponse.encode(CheckResponse.fromObject(answer.response)).finish()), TO_OBJECT);
      assertAnswer(summary(back), c.expect, name);
    });
  }
});

describe('opa-envoy-plugin examples through the gRPC listener (extAuthz.input: envoy, a verified bearer token)', () => {
  const running = new Map<string, IdpAndSidecar>();
  after(async () => {
    for (const s of running.values()) await s.close();
  });
  for (const [name, c] of Object.entries(CASES)) {
    if (c.readsAuthorization) continue;
    it(name, async () => {
      const key = `${c.policy} ${c.entrypoint}`;
      if (!running.has(key)) {
        running.set(key, await withSidecar({ 'policy.bundle': bundleOf(c), 'policy.entrypoint': c.entrypoint, 'extAuthz.input': 'envoy', 'extAuthz.grpc.listen': '127.0.0.1:0' }));
      }
      const s = running.get(key)!;
      const request = requestOf(c);
      const http = (request['attributes'] as any).request.http;
      http.headers = { ...(http.headers ?? {}), authorization: `Bearer ${await s.idp.token('bob')}` };
      const client = extAuthzClient(s.sc.sidecar.grpcAddress!);
      const out = await client.check(request);
      client.close();
      assert.ok('response' in out, JSON.stringify(out));
      assertAnswer(summary(out.response), c.expect, name);
      const logged = await s.sc.decision(out.response['dynamic_metadata'].fields.decision_id.stringValue);
      assert.equal(logged.input.subject.sub, 'bob', 'the policy saw the verified subject');
      assert.deepEqual(logged.input.version, { ext_authz: 'v3', encoding: 'protojson' });
    });
  }
});

