import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../../src/runtime/settings.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';
import { eventsOf, postAuthzen, route } from './helpers.ts';

/**
 * claims.subjectLookup: the claims of a subject an enforcement point asserts, from a lookup-by-id
 * source (here a real node:http server on loopback, standing in for a SCIM or directory API) when the
 * claims cache holds none.
 */

const PEP = 'subject-lookup-pep-credential-0123456789abcdef';
const LOOKUP_AUTH = 'Bearer lookup-source-credential';
const calls = new Map<string, number>();
const seenAuth: (string | undefined)[] = [];
let source: Server;
let env: IdpAndSidecar;

before(async () => {
  source = createServer((req, res) => {
    const id = decodeURIComponent(req.url!.replace(/^\/users\//, ''));
    calls.set(id, (calls.get(id) ?? 0) + 1);
    seenAuth.push(req.headers.authorization);
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (id === 'dave' || id === 'd a/ve') json(200, { sub: id, name: 'Dave', roles: ['orders-viewer'] });
    else if (id === 'liar') json(200, { sub: 'mallory', roles: ['admin'] });
    else if (id === 'boom') json(500, { error: 'down' });
    else json(404, { error: 'no such user' });
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  env = await withSidecar({
    'authzen.enabled': true,
    'authzen.entrypoint': 'authz/authzen/evaluation',
    'authzen.trust': ['pep'],
    'authzen.pepToken': PEP,
    'claims.subjectLookup.url': `http://127.0.0.1:${(source.address() as AddressInfo).port}/users/{id}`,
    'claims.subjectLookup.authorization': LOOKUP_AUTH,
  });
});
after(async () => {
  await env.close();
  await new Promise((r) => source.close(r));
});

const asks = (id: string, method = 'GET') => ({ subject: { type: 'user', id }, ...route(method, '/api/orders/1') });
const asPep = (requestId: string) => ({ authorization: `Bearer ${PEP}`, 'x-request-id': requestId });

test('an asserted subject the cache does not know is looked up by id, once, then served from the claims cache', async () => {
  const first = await postAuthzen(env.sc, '/access/v1/evaluation', asks('dave'), asPep('lookup-1'));
  assert.equal(first.status, 200);
  assert.equal(first.body.decision, true, 'the looked-up roles grant the GET');
  const [e1] = await eventsOf(env.sc, 'lookup-1', 1);
  assert.deepEqual(e1.claims, { source: 'lookup', cache: 'miss' });
  assert.deepEqual(e1.input.claims.roles, ['orders-viewer']);
  assert.equal(e1.input.claims.name, 'Dave');
  assert.equal(seenAuth.at(-1), LOOKUP_AUTH);
  const second = await postAuthzen(env.sc, '/access/v1/evaluation', asks('dave', 'DELETE'), asPep('lookup-2'));
  assert.equal(second.body.decision, false);
  const [e2] = await eventsOf(env.sc, 'lookup-2', 1);
  assert.deepEqual(e2.claims, { source: 'cache', cache: 'hit' });
  assert.equal(calls.get('dave'), 1);
  const odd = await postAuthzen(env.sc, '/access/v1/evaluation', asks('d a/ve'), asPep('lookup-3'));
  assert.equal(odd.body.decision, true, 'the id is percent-encoded into the URL');
  assert.equal(calls.get('d a/ve'), 1);
});

test('a subject the source does not know (404) reaches the policy without claims; it is asked once per request', async () => {
  const batch = {
    action: { name: 'GET' },
    resource: { type: 'route', id: '/api/orders/1' },
    evaluations: [{ subject: { type: 'user', id: 'zed' } }, { subject: { type: 'user', id: 'zed' } }, { subject: { type: 'user', id: 'zed' } }],
  };
  const r = await postAuthzen(env.sc, '/access/v1/evaluations', batch, asPep('lookup-zed'));
  assert.deepEqual(r.body.evaluations.map((e: any) => e.decision), [false, false, false]);
  assert.equal(calls.get('zed'), 1, 'one lookup for the request, not one per item');
  const events = await eventsOf(env.sc, 'lookup-zed', 3);
  assert.ok(events.every((e) => e.input.claims === undefined));
});

test('a failing source is a 503 claims_unavailable (an item error in a batch); an answer for another subject is refused', async () => {
  const down = await postAuthzen(env.sc, '/access/v1/evaluation', asks('boom'), asPep('lookup-boom'));
  assert.equal(down.status, 503);
  assert.equal(down.body.code, 'claims_unavailable');
  const batch = await postAuthzen(env.sc, '/access/v1/evaluations', { ...route('GET', '/api/orders/1'), evaluations: [{ subject: { type: 'user', id: 'boom' } }, { subject: { type: 'user', id: 'dave' } }] }, asPep('lookup-boom-batch'));
  assert.equal(batch.status, 200);
  assert.equal(batch.body.evaluations[0].context.error.code, 'claims_unavailable');
  assert.equal(batch.body.evaluations[0].context.error.status, 503);
  assert.equal(batch.body.evaluations[1].decision, true);
  const liar = await postAuthzen(env.sc, '/access/v1/evaluation', asks('liar'), asPep('lookup-liar'));
  assert.equal(liar.status, 401);
  assert.equal(liar.body.code, 'subject_mismatch');
});

test('the lookup is a component status (subject_lookup) of the identity component', async () => {
  const status = (await (await fetch(`${env.sc.url}/v1/status`)).json()) as { result: { plugins: Record<string, { state: string }> } };
  assert.ok(status.result.plugins['subject_lookup'], JSON.stringify(Object.keys(status.result.plugins)));
});

test('claims.subjectLookup rules: {id} once in the path; an authorization without a URL', async () => {
  const settle = (base: Record<string, unknown>) => async () => loadSettings({ env: {}, base: { issuer: 'http://127.0.0.1:1', ...base } });
  await rejectsWithCode(settle({ 'claims.subjectLookup.url': 'https://idp.example.com/users' })(), 'config_error', 500, /claims\.subjectLookup\.url.*\{id\}/);
  await rejectsWithCode(settle({ 'claims.subjectLookup.url': 'https://idp.example.com/{id}/{id}' })(), 'config_error', 500, /once/);
  await rejectsWithCode(settle({ 'claims.subjectLookup.authorization': 'Bearer x' })(), 'config_error', 500, /claims\.subjectLookup\.authorization/);
});
