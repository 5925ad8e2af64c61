import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../../src/runtime/settings.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';
import { eventsOf, postAuthzen, route } from './helpers.ts';

const PEP = 'trust-modes-pep-credential-0123456789abcdef';

test('PEP-asserted subjects: the policy gets what the PEP sent plus the claims the cache holds for that subject', async () => {
  const env = await withSidecar({
    'authzen.enabled': true,
    'authzen.entrypoint': 'authz/authzen/evaluation',
    'authzen.trust': ['token', 'pep'],
    'authzen.pepToken': PEP,
  });
  try {
    const ask = { subject: { type: 'user', id: 'bob', properties: { department: 'sales' } }, ...route('GET', '/api/orders/1') };
    const before = await postAuthzen(env.sc, '/access/v1/evaluation', ask, { authorization: `Bearer ${PEP}`, 'x-request-id': 'pep-cold' });
    assert.equal(before.status, 200);
    assert.equal(before.body.decision, false, 'nothing is known about bob yet: no roles');
    const [cold] = await eventsOf(env.sc, 'pep-cold', 1);
    assert.equal(cold.input.trust, 'pep');
    assert.equal(cold.input.claims, undefined);
    assert.equal(cold.subject, null, 'no token was verified');

    // bob's own token passes once (token mode): userinfo's answer is now in the claims cache.
    const token = await env.idp.token('bob');
    const own = await postAuthzen(env.sc, '/access/v1/evaluation', ask, { authorization: `Bearer ${token}` });
    assert.equal(own.body.decision, true);

    const after = await postAuthzen(env.sc, '/access/v1/evaluation', ask, { authorization: `Bearer ${PEP}`, 'x-request-id': 'pep-warm' });
    assert.equal(after.body.decision, true);
    const [warm] = await eventsOf(env.sc, 'pep-warm', 1);
    assert.deepEqual(warm.input.subject, ask.subject, 'what the PEP sent, as sent');
    assert.deepEqual(warm.input.claims.roles, ['orders-viewer']);
    assert.equal(warm.input.claims.sub, 'bob');
    assert.deepEqual(warm.claims, { source: 'cache', cache: 'hit' });

    // The claims are bob's only: the PEP asserting someone else gets nothing of bob's.
    const other = await postAuthzen(env.sc, '/access/v1/evaluation', { ...ask, subject: { type: 'user', id: 'gina' } }, { authorization: `Bearer ${PEP}` });
    assert.equal(other.body.decision, false);
  } finally {
    await env.close();
  }
});

test('with trust [token] only, the PEP credential is not configured and every bearer is a subject\'s token', async () => {
  const env = await withSidecar({ 'authzen.enabled': true, 'authzen.entrypoint': 'authz/authzen/evaluation' });
  try {
    const r = await postAuthzen(env.sc, '/access/v1/evaluation', { subject: { type: 'user', id: 'bob' }, ...route('GET', '/api/orders/1') }, { authorization: `Bearer ${PEP}` });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'invalid_token');
  } finally {
    await env.close();
  }
});

test('the AuthZEN routes are off by default: 404 from the catch-all', async () => {
  const env = await withSidecar();
  try {
    for (const path of ['/access/v1/evaluation', '/access/v1/evaluations', '/access/v1/search/subject']) {
      const r = await postAuthzen(env.sc, path, {});
      assert.equal(r.status, 404, path);
      assert.equal(r.body.code, 'not_found');
    }
    assert.equal((await fetch(`${env.sc.url}/.well-known/authzen-configuration`)).status, 404);
  } finally {
    await env.close();
  }
});

test('authzen.baseUrl is the policy_decision_point and the base of every endpoint', async () => {
  const env = await withSidecar({ 'authzen.enabled': true, 'authzen.entrypoint': 'authz/authzen/evaluation', 'authzen.baseUrl': 'https://pdp.example.com/' });
  try {
    const meta = (await (await fetch(`${env.sc.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
    assert.equal(meta['policy_decision_point'], 'https://pdp.example.com');
    assert.equal(meta['access_evaluation_endpoint'], 'https://pdp.example.com/access/v1/evaluation');
    const bad = await fetch(`${env.sc.url}/.well-known/authzen-configuration`, { headers: { host: 'evil.example.com' } });
    assert.equal(bad.status, 200, 'a configured base URL does not depend on the Host header');
  } finally {
    await env.close();
  }
});

test('an authzen.entrypoint the bundle lacks: 404 not_found naming it, for every request', async () => {
  const env = await withSidecar({ 'authzen.enabled': true, 'authzen.entrypoint': 'authzen/evaluation' });
  try {
    const token = await env.idp.token('bob');
    const r = await postAuthzen(env.sc, '/access/v1/evaluation', { subject: { type: 'user', id: 'bob' }, ...route('GET', '/x') }, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 404);
    assert.match(r.body.message, /no entrypoint 'authzen\/evaluation'/);
  } finally {
    await env.close();
  }
});

test('configuration rules of authzen.*: each error names its key', async () => {
  const settle = (base: Record<string, unknown>) => () => loadSettings({ env: {}, base: { issuer: 'http://127.0.0.1:1', ...base } });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'authzen.trust': ['pep'] }, /authzen\.pepToken.*required/],
    [{ 'authzen.pepToken': PEP }, /authzen\.pepToken.*does not have pep/],
    [{ 'authzen.trust': ['pep'], 'authzen.pepToken': 'short' }, /authzen\.pepToken.*32 bytes/],
    [{ 'authzen.pageTokenKey': 'short' }, /authzen\.pageTokenKey.*32 bytes/],
    [{ 'authzen.enabled': true, 'http.forwardAuthPath': '/access/v1/check' }, /http\.forwardAuthPath.*AuthZEN/],
    [{ 'authzen.baseUrl': 'http://pdp.example.com' }, /authzen\.baseUrl.*https/],
  ];
  for (const [base, message] of cases) await rejectsWithCode((async () => settle(base)())(), 'config_error', 500, message);
  assert.doesNotThrow(settle({ 'authzen.enabled': true, 'authzen.trust': ['token', 'pep'], 'authzen.pepToken': PEP }));
});
