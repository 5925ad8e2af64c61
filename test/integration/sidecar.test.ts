import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';
import { buildBundle, FIXTURE_POLICIES, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };
const get = { method: 'GET', path: '/api/orders/1' };

describe('sidecar against a real OIDC provider on loopback', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar()));
  after(() => close());

  it('allows an admin to DELETE and denies an orders-viewer, with roles fetched from userinfo', async () => {
    const alice = await idp.token('alice');
    const bob = await idp.token('bob');
    const a = await sc.authorize(alice, del);
    assert.equal(a.status, 200);
    assert.equal(a.body.allow, true);
    assert.match(a.body.decision_id, /^[0-9a-f-]{36}$/);
    const b = await sc.authorize(bob, del);
    assert.equal(b.status, 200);
    assert.equal(b.body.allow, false);
    assert.deepEqual(b.body.reasons, ['no grant matches DELETE /api/orders/1']);
    const b2 = await sc.authorize(bob, get);
    assert.equal(b2.body.allow, true);
  });

  it('grants roles through groups from userinfo', async () => {
    const gina = await idp.token('gina');
    assert.equal((await sc.authorize(gina, get)).body.allow, true);
    assert.equal((await sc.authorize(gina, del)).body.allow, false);
  });

  it('tokens are subject-only: no roles in the token', async () => {
    const payload = JSON.parse(Buffer.from((await idp.token('alice')).split('.')[1]!, 'base64url').toString());
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.roles, undefined);
  });

  it('answers 401 with a WWW-Authenticate challenge for a garbage, expired or forged token', async () => {
    const garbage = await sc.authorize('garbage', get);
    assert.equal(garbage.status, 401);
    assert.equal(garbage.body.code, 'invalid_token');
    assert.match(garbage.headers.get('www-authenticate') ?? '', /^Bearer realm="authz-sidecar", error="invalid_token", error_description="/);

    const expired = await sc.authorize(await idp.signed({ sub: 'alice' }, -120), del);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.code, 'invalid_token');
    assert.match(expired.body.message, /expired/);

    const [h, p] = (await idp.token('bob')).split('.');
    const otherSig = (await idp.token('alice')).split('.')[2];
    const forged = await sc.authorize(`${h}.${p}.${otherSig}`, get);
    assert.equal(forged.status, 401);
    assert.match(forged.body.message, /signature/);

    const missing = await sc.authorize(undefined, get);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.code, 'missing_token');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="authz-sidecar"');
  });

  it('refuses a token for another audience', async () => {
    const res = await sc.authorize(await idp.signed({ sub: 'alice', aud: 'someone-else' }), get);
    assert.equal(res.status, 401);
    assert.match(res.body.message, /aud/);
  });

  it('answers 400 for a malformed body and 415 for a wrong content type, naming the problem', async () => {
    const alice = await idp.token('alice');
    const notJson = await sc.authorize(alice, '{"method":');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 'invalid_request');
    const noPath = await sc.authorize(alice, { method: 'GET' });
    assert.equal(noPath.status, 400);
    assert.match(noPath.body.message, /"path"/);
    const extra = await sc.authorize(alice, { ...get, pathh: '/x' });
    assert.equal(extra.status, 400);
    assert.match(extra.body.message, /pathh/);
    const res = await fetch(`${sc.url}/authorize`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as any).code, 'unsupported_media_type');
  });

  it('refuses (401 subject_mismatch) a subject whose userinfo answers for another subject', async () => {
    const idp2 = await startTestIdp();
    idp2.server.service.on('beforeUserinfo', (response: { body: { sub?: string } }) => {
      response.body = { ...response.body, sub: 'mallory' };
    });
    const sc2 = await startTestSidecar(idp2.issuer);
    try {
      const res = await sc2.authorize(await idp2.token('alice'), del);
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'subject_mismatch');
      assert.notEqual(res.body.allow, true);
    } finally {
      await sc2.stop();
      await idp2.stop();
    }
  });

  it('serves forward-auth for nginx (X-Original-*) and Traefik (X-Forwarded-*) with 200, 403 and 401', async () => {
    const bob = await idp.token('bob');
    const call = (headers: Record<string, string>) => fetch(`${sc.url}/forward-auth`, { headers });
    const ok = await call({ authorization: `Bearer ${bob}`, 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7?x=1' });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('x-authz-decision-id') ?? '', /^[0-9a-f-]{36}$/);
    const denied = await call({ authorization: `Bearer ${bob}`, 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/orders/7' });
    assert.equal(denied.status, 403);
    const traversal = await call({ authorization: `Bearer ${bob}`, 'x-original-method': 'GET', 'x-original-uri': '/api/orders/../admin' });
    assert.equal(traversal.status, 403, 'the policy sees /api/admin, not a path under /api/orders');
    const anon = await call({ 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7' });
    assert.equal(anon.status, 401);
  });

  it('writes one decision log line per decision, with subject, timings and no token', async () => {
    const bob = await idp.token('bob');
    const before = sc.decisions().length;
    const res = await sc.authorize(bob, get, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const event = await sc.decision(res.body.decision_id);
    const lines = sc.decisions();
    assert.equal(lines.length, before + 1);
    assert.equal(event.decision_id, res.body.decision_id);
    assert.deepEqual(event.subject, { sub: 'bob', iss: idp.issuer, kind: 'user' });
    assert.deepEqual(event.request, { method: 'GET', path: '/api/orders/1' });
    assert.equal(event.result.allow, true);
    assert.equal(typeof event.bundles.authz.revision, 'string');
    assert.equal(event.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    for (const k of ['verify', 'claims', 'policy', 'total']) assert.equal(typeof event.timings_us[k], 'number');
    const raw = JSON.stringify(lines);
    assert.ok(!raw.includes(bob), 'the token never reaches the decision log');
    assert.ok(!raw.includes(bob.split('.')[2]!), 'not even its signature');
  });

  it('shares one userinfo call between concurrent misses for one subject', async () => {
    const { idp: idp3, sc: sc3, close: close3 } = await withSidecar();
    try {
      const token = await idp3.token('alice');
      const answers = await Promise.all(Array.from({ length: 20 }, () => sc3.authorize(token, del)));
      assert.ok(answers.every((r) => r.body.allow === true));
      assert.equal(idp3.userinfoCalls.get('alice'), 1);
    } finally {
      await close3();
    }
  });
});

describe('when the IdP goes down', () => {
  it('keeps serving a subject with cached claims and denies (503) one without', async () => {
    const idp = await startTestIdp();
    const sc = await startTestSidecar(idp.issuer);
    try {
      const alice = await idp.token('alice');
      const bob = await idp.token('bob');
      assert.equal((await sc.authorize(alice, del)).body.allow, true);
      await idp.stop();
      const cached = await sc.authorize(alice, del);
      assert.equal(cached.status, 200);
      assert.equal(cached.body.allow, true);
      const uncached = await sc.authorize(bob, get);
      assert.equal(uncached.status, 503);
      assert.equal(uncached.body.code, 'claims_unavailable');
      assert.equal(uncached.body.allow, undefined);
      const logged = await sc.decision(uncached.body.decision_id);
      assert.equal(logged?.error?.code, 'claims_unavailable');
      assert.equal(logged?.result.allow, false);
    } finally {
      await sc.stop();
    }
  });

  it('is not ready until discovery succeeds, and retries until the IdP comes up', async () => {
    const idp = await startTestIdp();
    const issuer = idp.issuer;
    const port = Number(new URL(issuer).port);
    await idp.stop();
    const sc = await startTestSidecar(issuer, {}, false);
    try {
      const notReady = await fetch(`${sc.url}/ready`);
      assert.equal(notReady.status, 503);
      assert.equal(((await notReady.json()) as any).code, 'not_ready');
      const early = await sc.authorize('a.b.c', get);
      assert.equal(early.status, 503);
      await idp.server.start(port, '127.0.0.1');
      idp.server.issuer.url = issuer;
      await sc.sidecar.whenReady();
      assert.equal((await fetch(`${sc.url}/ready`)).status, 200);
      assert.equal((await sc.authorize(await idp.token('alice'), del)).body.allow, true);
    } finally {
      await sc.stop();
      await idp.stop();
    }
  });
});

describe('policy reload', () => {
  it('picks up a changed bundle atomically and keeps the active one when the new file is broken', async () => {
    const dir = tempDir();
    const bundle = join(dir, 'authz.tar.gz');
    copyFileSync(SAMPLE_BUNDLE, bundle);
    const denyAll = buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(tempDir(), 'deny-all.tar.gz'));
    const { idp, sc, close } = await withSidecar({ 'policy.bundle': bundle });
    try {
      const alice = await idp.token('alice');
      assert.equal((await sc.authorize(alice, del)).body.allow, true);

      // Replace by rename, as deployment tools do.
      copyFileSync(denyAll, join(dir, 'next.tmp'));
      renameSync(join(dir, 'next.tmp'), bundle);
      const denied = await waitFor(async () => {
        const r = await sc.authorize(alice, del);
        return r.body.allow === false ? r : undefined;
      });
      assert.deepEqual(denied.body.reasons, ['deny-all fixture']);

      writeFileSync(bundle, 'not a bundle');
      await sleep(600);
      const still = await sc.authorize(alice, del);
      assert.equal(still.status, 200);
      assert.deepEqual(still.body.reasons, ['deny-all fixture'], 'the broken file did not replace the active bundle');
      assert.equal((await fetch(`${sc.url}/ready`)).status, 200);
    } finally {
      await close();
    }
  });

  it('denies with 500 policy_error when evaluation aborts', async () => {
    const bundle = buildBundle(join(FIXTURE_POLICIES, 'abort'), join(tempDir(), 'abort.tar.gz'));
    const { idp, sc, close } = await withSidecar({ 'policy.bundle': bundle });
    try {
      const res = await sc.authorize(await idp.token('alice'), { method: 'GET', path: '/conflict' });
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'policy_error');
      assert.equal(res.body.allow, undefined);
    } finally {
      await close();
    }
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('policy.relevantRoles', () => {
  it('gives the policy only the roles it can grant on, with the same decisions', async () => {
    const many = ['orders-viewer', ...Array.from({ length: 5000 }, (_, i) => `api-${i}-reader`)];
    const { idp, sc, close } = await withSidecar({ 'policy.relevantRoles': 'authz/role_grants' }, { carol: { name: 'Carol', roles: many, groups: [] }, dave: { name: 'Dave', roles: ['api-1-reader'], groups: [] } });
    try {
      const carol = await idp.token('carol');
      const res = await fetch(`${sc.url}/authorize?explain=input`, {
        method: 'POST',
        headers: { authorization: `Bearer ${carol}`, 'content-type': 'application/json' },
        body: JSON.stringify(get),
      });
      const body = (await res.json()) as any;
      assert.equal(body.allow, true);
      assert.deepEqual(body.input.subject.roles, ['orders-viewer']);
      assert.equal((await sc.authorize(carol, del)).body.allow, false);
      assert.equal((await sc.authorize(await idp.token('dave'), get)).body.allow, false);
    } finally {
      await close();
    }
  });
});
