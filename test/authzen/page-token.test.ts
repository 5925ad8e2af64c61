import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPageTokens } from '../../src/authzen/page-token.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { baseUrlOf, metadataAnswer } from '../../src/http/authzen-answer.ts';
import { searchVerdict, todoVerdict } from './interop-runner.ts';

const request = { kind: 'resource', subject: { type: 'user', id: 'alice' }, action: { name: 'view' }, resource: { type: 'record' }, limit: 5 };
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof SidecarError ? err.code : String(err);
  }
};

test('a page token names its offset for the same request, whatever the order of its members', () => {
  const tokens = createPageTokens(randomBytes(32));
  const t = tokens.issue(request, 10);
  const reordered = { limit: 5, resource: { type: 'record' }, action: { name: 'view' }, subject: { id: 'alice', type: 'user' }, kind: 'resource' };
  assert.equal(tokens.offsetOf(t, reordered), 10);
});

test('a page token of another key (another process, or another pageTokenKey) is refused', () => {
  const t = createPageTokens(randomBytes(32)).issue(request, 10);
  assert.equal(code(() => createPageTokens(randomBytes(32)).offsetOf(t, request)), 'invalid_page_token');
  const processWide = createPageTokens(undefined).issue(request, 3);
  assert.equal(createPageTokens(undefined).offsetOf(processWide, request), 3, 'without a configured key, one key per process');
});

test('a page token is refused for a changed request and when tampered with', () => {
  const tokens = createPageTokens(randomBytes(32));
  const t = tokens.issue(request, 10);
  assert.equal(code(() => tokens.offsetOf(t, { ...request, limit: 6 })), 'invalid_page_token');
  assert.equal(code(() => tokens.offsetOf(t, { ...request, context: { a: 1 } })), 'invalid_page_token');
  const [payload, mac] = t.split('.');
  const moved = Buffer.from(JSON.stringify({ v: 1, o: 0, f: JSON.parse(Buffer.from(payload!, 'base64url').toString()).f })).toString('base64url');
  assert.equal(code(() => tokens.offsetOf(`${moved}.${mac}`, request)), 'invalid_page_token');
  assert.equal(code(() => tokens.offsetOf(`${payload}.${mac!.slice(1)}`, request)), 'invalid_page_token');
});

test('the PDP base URL: the configured one, else http:// and a well-formed Host', () => {
  assert.equal(baseUrlOf('https://pdp.example.com', { host: 'other' }), 'https://pdp.example.com');
  assert.equal(baseUrlOf(undefined, { host: '127.0.0.1:8181' }), 'http://127.0.0.1:8181');
  assert.equal(baseUrlOf(undefined, { host: '[::1]:8181' }), 'http://[::1]:8181');
  for (const host of [undefined, 'a b', 'evil.com/path', 'evil.com@x', 'x:y:z']) assert.equal(code(() => baseUrlOf(undefined, { host })), 'invalid_request', String(host));
  assert.deepEqual(Object.keys(metadataAnswer('http://h', false)), ['policy_decision_point', 'access_evaluation_endpoint', 'access_evaluations_endpoint']);
});

test('the mirrored interop comparisons fail on a wrong answer (and, like upstream, read an error body as false)', () => {
  assert.equal(todoVerdict('evaluation', { decision: true }, true), 'PASS');
  assert.equal(todoVerdict('evaluation', { decision: false }, true), 'FAIL');
  assert.equal(todoVerdict('evaluation', { code: 'invalid_token' }, false), 'PASS');
  assert.equal(todoVerdict('evaluations', { evaluations: [{ decision: true, context: {} }] }, [{ decision: true }]), 'FAIL');
  assert.equal(todoVerdict('evaluations', { evaluations: [{ decision: true }, { decision: false }] }, [{ decision: true }, { decision: false }]), 'PASS');
  const expected = { results: [{ type: 'user', id: 'a' }, { type: 'user', id: 'b' }] };
  assert.equal(searchVerdict({ results: [{ type: 'user', id: 'b' }, { type: 'user', id: 'a' }] }, expected), 'PASS');
  assert.equal(searchVerdict({ results: [{ type: 'user', id: 'a' }] }, expected), 'FAIL');
  assert.equal(searchVerdict({ results: [{ name: 'edit' }, { name: 'view' }] }, { results: [{ name: 'view' }, { name: 'edit' }] }), 'PASS');
  assert.equal(searchVerdict({ results: [{ type: 'user', id: 'a', properties: { x: 1 } }] }, { results: [{ type: 'user', id: 'a' }] }), 'FAIL');
});
