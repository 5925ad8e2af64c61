import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';
import { eventsOf, postAuthzen } from './helpers.ts';

/**
 * The search APIs beyond the interop cases: pagination and its tokens, the trust rules of search,
 * and the metadata of a bundle that can search. bundles/authzen-search.tar.gz (the Search interop
 * scenario); the test IdP's alice is the scenario's alice (a Sales manager, who may view all 20 records).
 */

const PEP = 'search-http-pep-credential-0123456789abcdef';
let env: IdpAndSidecar;
before(async () => {
  env = await withSidecar({
    'policy.bundle': join(ROOT, 'bundles/authzen-search.tar.gz'),
    'policy.entrypoint': 'authzen/search/evaluation',
    'authzen.enabled': true,
    'authzen.entrypoint': 'authzen/search/evaluation',
    'authzen.searchEntrypoint': 'authzen/search/candidates',
    'authzen.trust': ['token', 'pep'],
    'authzen.pepToken': PEP,
    'authzen.searchPageSize': 8,
  });
});
after(() => env.close());

const asPep = { authorization: `Bearer ${PEP}` };
const aliceViews = { subject: { type: 'user', id: 'alice' }, action: { name: 'view' }, resource: { type: 'record' } };
const ids = (r: { body: { results: { id: string }[] } }) => r.body.results.map((x) => x.id);

test('pages: page.limit, next_token until it is empty, count and total; the pages add up to the whole result', async () => {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, page: { limit: 6, ...(token ? { token } : {}) } }, asPep);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ['page', 'results'], 'page comes first');
    assert.equal(r.body.page.total, 20);
    assert.equal(r.body.page.count, r.body.results.length);
    seen.push(...ids(r));
    token = r.body.page.next_token;
    pages++;
  } while (token !== '');
  assert.equal(pages, 4);
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => String(101 + i)));
});

test('without page, results that do not fit are cut at authzen.searchPageSize with a next_token; those that fit have no page', async () => {
  const all = await postAuthzen(env.sc, '/access/v1/search/resource', aliceViews, asPep);
  assert.equal(all.body.results.length, 8);
  assert.equal(all.body.page.total, 20);
  assert.notEqual(all.body.page.next_token, '');
  const big = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, page: { limit: 1000 } }, asPep);
  assert.equal(big.body.results.length, 8, 'page.limit is capped by authzen.searchPageSize');
  const few = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, action: { name: 'delete' } }, asPep);
  assert.deepEqual(few.body, { results: ['101', '107', '113', '119'].map((id) => ({ type: 'record', id })) });
  const zero = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, page: { limit: 0 } }, asPep);
  assert.deepEqual(zero.body, { page: { next_token: '', count: 0, total: 20 }, results: [] });
});

test('page tokens cannot be forged or moved to another request', async () => {
  const first = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, page: { limit: 5 } }, asPep);
  const token: string = first.body.page.next_token;
  const [payload, mac] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), o: 15 })).toString('base64url');
  for (const bad of [`${forged}.${mac}`, 'not-a-token', `${payload}.`, '']) {
    const r = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, page: { limit: 5, token: bad } }, asPep);
    if (bad === '') {
      assert.equal(r.status, 200, 'an empty token is the first page');
      continue;
    }
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.code, 'invalid_page_token');
  }
  const changed = [
    { ...aliceViews, action: { name: 'edit' }, page: { limit: 5, token } },
    { ...aliceViews, page: { limit: 6, token } },
    { ...aliceViews, context: { time: 'now' }, page: { limit: 5, token } },
  ];
  for (const body of changed) {
    const r = await postAuthzen(env.sc, '/access/v1/search/resource', body, asPep);
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'invalid_page_token');
    assert.match(r.body.message, /differs/);
  }
  const resource = await postAuthzen(env.sc, '/access/v1/search/action', { subject: aliceViews.subject, resource: { type: 'record', id: '101' }, page: { token } }, asPep);
  assert.equal(resource.status, 400, 'a token of a resource search does not continue an action search');
});

test('search with a subject\'s token: about its own subject only; a subject search is refused', async () => {
  const alice = `Bearer ${await env.idp.token('alice')}`;
  const own = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, action: { name: 'delete' } }, { authorization: alice, 'x-request-id': 'search-own' });
  assert.equal(own.status, 200);
  assert.deepEqual(ids(own), ['101', '107', '113', '119']);
  const [event] = await eventsOf(env.sc, 'search-own', 1);
  assert.equal(event.path, 'authzen/search/candidates');
  assert.equal(event.subject.sub, 'alice');
  assert.deepEqual(event.result, { allow: true, reasons: ['resource search: 4 of 20 candidates permitted'] });
  const other = await postAuthzen(env.sc, '/access/v1/search/resource', { ...aliceViews, subject: { type: 'user', id: 'bob' } }, { authorization: alice });
  assert.equal(other.status, 401);
  assert.equal(other.body.code, 'subject_mismatch');
  const who = await postAuthzen(env.sc, '/access/v1/search/subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'record', id: '101' } }, { authorization: alice });
  assert.equal(who.status, 403);
  assert.equal(who.body.code, 'forbidden');
});

test('search requests: the searched entity\'s id is ignored; required members are checked', async () => {
  const withId = await postAuthzen(env.sc, '/access/v1/search/subject', { subject: { type: 'user', id: 'zed' }, action: { name: 'edit' }, resource: { type: 'record', id: '110' } }, asPep);
  assert.deepEqual(withId.body, { results: [{ type: 'user', id: 'alice' }, { type: 'user', id: 'dan' }] });
  const cases: [string, unknown][] = [
    ['/access/v1/search/subject', { action: { name: 'edit' }, resource: { type: 'record', id: '110' } }],
    ['/access/v1/search/resource', { ...aliceViews, resource: { id: '101' } }],
    ['/access/v1/search/action', { subject: { type: 'user', id: 'alice' }, resource: { type: 'record' } }],
    ['/access/v1/search/resource', { ...aliceViews, page: { limit: -1 } }],
    ['/access/v1/search/resource', { ...aliceViews, page: { token: 5 } }],
  ];
  for (const [path, body] of cases) {
    const r = await postAuthzen(env.sc, path, body, asPep);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.code, 'invalid_request');
  }
});

test('the metadata of a bundle that can search lists the search endpoints', async () => {
  const meta = (await (await fetch(`${env.sc.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
  assert.equal(meta['search_subject_endpoint'], `${env.sc.url}/access/v1/search/subject`);
  assert.equal(meta['search_resource_endpoint'], `${env.sc.url}/access/v1/search/resource`);
  assert.equal(meta['search_action_endpoint'], `${env.sc.url}/access/v1/search/action`);
});
