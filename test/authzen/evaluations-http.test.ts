import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';
import { eventsOf, postAuthzen, route } from './helpers.ts';

/**
 * The AuthZEN evaluation routes against the sample bundle's AuthZEN entrypoint (rego/authz/authzen.rego),
 * with subjects' own tokens from the test IdP (trust mode `token`): bob holds orders-viewer (GET
 * /api/orders/**), alice admin.
 */

let env: IdpAndSidecar;
let bob: string;
before(async () => {
  env = await withSidecar({ 'authzen.enabled': true, 'authzen.entrypoint': 'authz/authzen/evaluation' });
  bob = `Bearer ${await env.idp.token('bob')}`;
});
after(() => env.close());

const asBob = (extra: Record<string, string> = {}) => ({ authorization: bob, ...extra });
const bobAsks = (method: string, path: string) => ({ subject: { type: 'user', id: 'bob' }, ...route(method, path) });

test('an evaluation answers the policy\'s decision and context, and echoes X-Request-ID', async () => {
  const allow = await postAuthzen(env.sc, '/access/v1/evaluation', bobAsks('GET', '/api/orders/1'), asBob({ 'x-request-id': 'req-allow-1' }));
  assert.equal(allow.status, 200);
  assert.deepEqual(allow.body, { decision: true, context: { reasons: ['role orders-viewer (direct) allows GET /api/orders/**'] } });
  assert.equal(allow.headers.get('x-request-id'), 'req-allow-1');
  const deny = await postAuthzen(env.sc, '/access/v1/evaluation', bobAsks('DELETE', '/api/orders/1'), asBob());
  assert.equal(deny.status, 200);
  assert.equal(deny.body.decision, false);
  assert.match(deny.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/, 'a request id is made up when none is sent');
  const [event] = await eventsOf(env.sc, 'req-allow-1', 1);
  assert.equal(event.path, 'authz/authzen/evaluation');
  assert.deepEqual(event.result, { allow: true, reasons: ['role orders-viewer (direct) allows GET /api/orders/**'] });
  assert.equal(event.subject.sub, 'bob');
  assert.equal(event.input.trust, 'token');
  assert.deepEqual(event.input.subject, { type: 'user', id: 'bob' });
  assert.deepEqual(event.input.claims.roles, ['orders-viewer']);
});

test('a subject.id that is not the token\'s sub is refused, and logged', async () => {
  const r = await postAuthzen(env.sc, '/access/v1/evaluation', { ...bobAsks('GET', '/api/orders/1'), subject: { type: 'user', id: 'alice' } }, asBob({ 'x-request-id': 'req-mismatch' }));
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'subject_mismatch');
  assert.equal(r.headers.get('x-request-id'), 'req-mismatch', 'errors echo the request id too');
  const [event] = await eventsOf(env.sc, 'req-mismatch', 1);
  assert.equal(event.error.code, 'subject_mismatch');
  assert.equal(event.result.allow, false);
  assert.equal(event.decision_id, r.body.decision_id);
});

test('no token: 401 missing_token with the challenge; a bad token: 401 invalid_token', async () => {
  const none = await postAuthzen(env.sc, '/access/v1/evaluation', bobAsks('GET', '/api/orders/1'));
  assert.equal(none.status, 401);
  assert.equal(none.body.code, 'missing_token');
  assert.match(none.headers.get('www-authenticate')!, /^Bearer realm=/);
  const bad = await postAuthzen(env.sc, '/access/v1/evaluation', bobAsks('GET', '/api/orders/1'), { authorization: 'Bearer a.b.c' });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, 'invalid_token');
});

const batch = (semantic?: string) => ({
  subject: { type: 'user', id: 'bob' },
  action: { name: 'GET' },
  ...(semantic ? { options: { evaluations_semantic: semantic } } : {}),
  evaluations: [
    { resource: { type: 'route', id: '/api/orders/1' } },
    { action: { name: 'DELETE' }, resource: { type: 'route', id: '/api/orders/1' } },
    { resource: { type: 'route', id: '/api/orders/2' } },
  ],
});

test('evaluations: defaults and overrides, results in request order, one event per evaluation with the request id', async () => {
  const r = await postAuthzen(env.sc, '/access/v1/evaluations', batch(), asBob({ 'x-request-id': 'req-batch-all' }));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.evaluations.map((e: any) => e.decision), [true, false, true]);
  const events = await eventsOf(env.sc, 'req-batch-all', 3);
  assert.equal(events.length, 3);
  assert.deepEqual(events.map((e) => e.input.action.name), ['GET', 'DELETE', 'GET']);
  assert.deepEqual(events.map((e) => e.input.resource.id), ['/api/orders/1', '/api/orders/1', '/api/orders/2']);
  assert.equal(new Set(events.map((e) => e.decision_id)).size, 3);
  assert.ok(events.every((e) => e.subject.sub === 'bob'));
  assert.deepEqual(events.slice(1).map((e) => e.claims.cache), ['reused', 'reused'], 'the claims were established once for the request');
});

test('evaluations_semantic: execute_all, deny_on_first_deny and permit_on_first_permit', async () => {
  const decisions = async (semantic: string) => (await postAuthzen(env.sc, '/access/v1/evaluations', batch(semantic), asBob())).body.evaluations.map((e: any) => e.decision);
  assert.deepEqual(await decisions('execute_all'), [true, false, true]);
  assert.deepEqual(await decisions('deny_on_first_deny'), [true, false]);
  assert.deepEqual(await decisions('permit_on_first_permit'), [true]);
  const r = await postAuthzen(env.sc, '/access/v1/evaluations', batch('deny_on_first_deny'), asBob({ 'x-request-id': 'req-short' }));
  assert.equal(r.body.evaluations.length, 2);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal((await eventsOf(env.sc, 'req-short', 2)).length, 2, 'the evaluation not made is not logged');
});

test('a failing item is a deny with context.error; the others are answered', async () => {
  const body = batch();
  body.evaluations[1] = { subject: { type: 'user', id: 'alice' }, resource: { type: 'route', id: '/api/orders/9' } } as never;
  const r = await postAuthzen(env.sc, '/access/v1/evaluations', body, asBob({ 'x-request-id': 'req-item-error' }));
  assert.equal(r.status, 200);
  assert.equal(r.body.evaluations[0].decision, true);
  assert.deepEqual(r.body.evaluations[1], {
    decision: false,
    context: { error: { status: 401, code: 'subject_mismatch', message: 'subject.id is not the subject of the bearer token: a token may only ask about its own subject' } },
  });
  assert.equal(r.body.evaluations[2].decision, true);
  const events = await eventsOf(env.sc, 'req-item-error', 3);
  assert.equal(events.filter((e) => e.error?.code === 'subject_mismatch').length, 1);
});

test('evaluations without items is one evaluation, answered as /access/v1/evaluation answers', async () => {
  for (const evaluations of [undefined, []]) {
    const r = await postAuthzen(env.sc, '/access/v1/evaluations', { ...bobAsks('GET', '/api/orders/1'), ...(evaluations ? { evaluations } : {}) }, asBob());
    assert.equal(r.status, 200);
    assert.equal(r.body.decision, true);
    assert.equal(r.body.evaluations, undefined);
  }
});

test('a bad token fails the whole batch once: one 401 and one event, not one per item', async () => {
  const r = await postAuthzen(env.sc, '/access/v1/evaluations', batch(), { authorization: 'Bearer a.b.c', 'x-request-id': 'req-bad-batch' });
  assert.equal(r.status, 401);
  assert.equal(r.body.code, 'invalid_token');
  await new Promise((res) => setTimeout(res, 200));
  const events = await eventsOf(env.sc, 'req-bad-batch', 1);
  assert.equal(events.length, 1);
  assert.equal(events[0].error.code, 'invalid_token');
});

test('unknown members are ignored (unlike /authorize, which refuses them); entities reach the policy as sent', async () => {
  const body = { ...bobAsks('GET', '/api/orders/1'), future_member: { x: 1 }, subject: { type: 'user', id: 'bob', department: 'ops' } };
  const r = await postAuthzen(env.sc, '/access/v1/evaluation', body, asBob({ 'x-request-id': 'req-unknown' }));
  assert.equal(r.status, 200);
  assert.equal(r.body.decision, true);
  const [event] = await eventsOf(env.sc, 'req-unknown', 1);
  assert.equal(event.input.future_member, undefined);
  assert.equal(event.input.subject.department, 'ops');
  const authorize = await env.sc.authorize(bob.slice(7), { method: 'GET', path: '/api/orders/1', future_member: 1 });
  assert.equal(authorize.status, 400);
});

test('a missing required member or a wrong type is 400 invalid_request, naming it', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['/access/v1/evaluation', { ...route('GET', '/x') }, /^subject is required$/],
    ['/access/v1/evaluation', { ...bobAsks('GET', '/x'), subject: { type: 'user', id: 7 } }, /^subject\.id must be a string$/],
    ['/access/v1/evaluation', { ...bobAsks('GET', '/x'), action: { name: ['GET'] } }, /^action\.name must be a string$/],
    ['/access/v1/evaluation', { ...bobAsks('GET', '/x'), resource: { type: 'route' } }, /^resource\.id is required$/],
    ['/access/v1/evaluation', { ...bobAsks('GET', '/x'), context: 'now' }, /^context must be an object$/],
    ['/access/v1/evaluation', { ...bobAsks('GET', '/x'), subject: { type: 'user', id: 'bob', properties: [1] } }, /^subject\.properties must be an object$/],
    ['/access/v1/evaluation', [bobAsks('GET', '/x')], /^the body must be an object$/],
    ['/access/v1/evaluations', { ...bobAsks('GET', '/x'), evaluations: {} }, /^"evaluations" must be an array$/],
    ['/access/v1/evaluations', { ...batch(), options: { evaluations_semantic: 'first' } }, /^options\.evaluations_semantic must be one of/],
    ['/access/v1/evaluations', { subject: { type: 'user', id: 'bob' }, evaluations: [{ resource: { type: 'route', id: '/x' } }] }, /^evaluations\[0\]\.action is required$/],
    ['/access/v1/evaluations', { ...batch(), evaluations: [1] }, /^evaluations\[0\] must be an object$/],
    ['/access/v1/evaluations', { ...batch(), evaluations: Array(101).fill({ resource: { type: 'route', id: '/x' } }) }, /at most 100 evaluations/],
  ];
  for (const [path, body, message] of cases) {
    const r = await postAuthzen(env.sc, path, body, asBob());
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'invalid_request');
    assert.match(r.body.message, message);
  }
  const long = await postAuthzen(env.sc, '/access/v1/evaluation', bobAsks('GET', '/x'), asBob({ 'x-request-id': 'x'.repeat(257) }));
  assert.equal(long.status, 400);
  const notJson = await postAuthzen(env.sc, '/access/v1/evaluation', 'subject=bob', { ...asBob(), 'content-type': 'text/plain' });
  assert.equal(notJson.status, 415);
});

test('GET /.well-known/authzen-configuration: the base URL it is served under and the endpoints served', async () => {
  const res = await fetch(`${env.sc.url}/.well-known/authzen-configuration`, { headers: { 'x-request-id': 'meta-1' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^application\/json/);
  assert.equal(res.headers.get('x-request-id'), 'meta-1');
  assert.deepEqual(await res.json(), {
    policy_decision_point: env.sc.url,
    access_evaluation_endpoint: `${env.sc.url}/access/v1/evaluation`,
    access_evaluations_endpoint: `${env.sc.url}/access/v1/evaluations`,
  }, 'no search endpoints: the sample bundle has no authzen.searchEntrypoint');
  const post = await fetch(`${env.sc.url}/.well-known/authzen-configuration`, { method: 'POST' });
  assert.equal(post.status, 404);
});
