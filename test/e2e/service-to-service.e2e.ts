// Service to service against a real Keycloak 26 (started by global-setup.ts; realm from
// scripts/keycloak/gen-realm.mjs): service A's sidecar exchanges alice's token (RFC 8693, Keycloak's
// standard token exchange, on for the `service-a` client) for one whose audience is service B; B's
// sidecar accepts it and refuses alice's original; A's own client-credentials token is a service caller
// at B, allowed only on the routes `service-a` is registered for (rego/authz/data.json client_grants);
// and A's service token is refreshed before it expires (20 s lifespan in the realm) under load with no
// failed call. Both sidecars run as their own processes (`bin/authz-sidecar.js serve`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REALM, issuer, payloadOf } from './helpers/keycloak.ts';
import { startSidecarProcess, type SidecarProcess } from './helpers/processes.ts';
import { tempDir } from '../helpers/bundles.ts';

interface Client {
  id: string;
  secret: string;
  tokenLifespan?: number;
}
const services = (REALM as unknown as { services: { webApp: Client; serviceA: Client; serviceB: Client } }).services;
const CALLER_SECRET = 'service A caller secret, e2e only, 32+ bytes';

/** A sidecar process configured by a JSON file (AUTHZ_CONFIG). */
function startWith(config: Record<string, unknown>): Promise<SidecarProcess> {
  const file = join(tempDir('authz-e2e-s2s-'), 'config.json');
  writeFileSync(file, JSON.stringify({ issuer: issuer(), ...config }));
  return startSidecarProcess({ AUTHZ_CONFIG: file });
}

async function userToken(user: string): Promise<string> {
  const res = await fetch(`${issuer()}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: services.webApp.id, client_secret: services.webApp.secret, username: user, password: REALM.users[user]!.password, scope: 'openid' }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

describe('service to service with Keycloak: token exchange, client credentials, service callers', () => {
  let a: SidecarProcess;
  let b: SidecarProcess;
  let alice: string;

  before(async () => {
    a = await startWith({
      audience: [services.serviceA.id],
      tokens: { clientId: services.serviceA.id, clientSecret: services.serviceA.secret, callerSecret: CALLER_SECRET, refreshMarginSeconds: 8, refreshJitterSeconds: 2 },
    });
    b = await startWith({ audience: [services.serviceB.id], claims: { serviceClaim: 'client_id' } });
    alice = await userToken('alice');
  });
  after(async () => {
    assert.equal(await a?.stop(), 0);
    assert.equal(await b?.stop(), 0);
  });

  const tokenFromA = async (path: string, body: unknown, authorization?: string) => {
    const res = await fetch(`${a.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authz-caller-secret': CALLER_SECRET, ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { access_token?: string; code?: string; message?: string; expires_in?: number } };
  };
  const authorizeAtB = async (token: string, method: string, path: string) => {
    const res = await fetch(`${b.url}/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, path }),
    });
    return { status: res.status, body: (await res.json()) as { allow?: boolean; code?: string; reasons?: string[]; decision_id?: string } };
  };

  it("A's sidecar exchanges alice's token for one whose audience is service-b alone; B accepts it and refuses the original", async () => {
    assert.deepEqual([payloadOf(alice)['aud']].flat(), [services.serviceA.id]);
    // scope openid: Keycloak answers userinfo (where B's sidecar finds alice's roles) only for tokens with it.
    const exchanged = await tokenFromA('/v1/tokens/exchange', { audience: services.serviceB.id, scope: 'openid' }, `Bearer ${alice}`);
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const claims = payloadOf(exchanged.body.access_token!);
    assert.deepEqual([claims['aud']].flat(), [services.serviceB.id]);
    assert.equal(claims['sub'], payloadOf(alice)['sub']);
    const atB = await authorizeAtB(exchanged.body.access_token!, 'DELETE', '/api/orders/1');
    assert.equal(atB.status, 200, JSON.stringify(atB.body));
    assert.equal(atB.body.allow, true, JSON.stringify(atB.body));
    const logged = await b.decision((d) => d.decision_id === atB.body.decision_id);
    assert.equal(logged.subject.kind, 'user');
    const original = await authorizeAtB(alice, 'DELETE', '/api/orders/1');
    assert.equal(original.status, 401);
    assert.equal(original.body.code, 'invalid_token');
  });

  it('a token A cannot verify is never exchanged', async () => {
    const [h, p, s] = alice.split('.');
    const forged = `${h}.${p}.${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    const r = await tokenFromA('/v1/tokens/exchange', { audience: services.serviceB.id }, `Bearer ${forged}`);
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'invalid_token');
  });

  it("A's client-credentials token is a service caller at B: allowed only on service-a's registered routes", async () => {
    const own = await tokenFromA('/v1/tokens/service', { audience: services.serviceB.id });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const claims = payloadOf(own.body.access_token!);
    assert.equal(claims['client_id'], services.serviceA.id, JSON.stringify(claims));
    const get = await authorizeAtB(own.body.access_token!, 'GET', '/api/orders/1');
    assert.equal(get.body.allow, true, JSON.stringify(get.body));
    assert.deepEqual(get.body.reasons, ['registered client service-a allows GET /api/orders/**']);
    const logged = await b.decision((d) => d.decision_id === get.body.decision_id);
    assert.equal(logged.subject.kind, 'service');
    assert.equal(logged.subject.client_id, services.serviceA.id);
    assert.equal(logged.claims.source, 'token', 'no userinfo call for a service caller');
    for (const [method, path] of [['DELETE', '/api/orders/1'], ['GET', '/api/users/1']]) {
      assert.equal((await authorizeAtB(own.body.access_token!, method, path)).body.allow, false, `${method} ${path}`);
    }
  });

  it("A's service token is refreshed before it expires, under load, with no failed call at B", { timeout: 120_000 }, async () => {
    const lifespan = services.serviceA.tokenLifespan!;
    const seen = new Set<string>();
    const failures: string[] = [];
    const until = Date.now() + (lifespan + 8) * 1000;
    const worker = async (): Promise<void> => {
      while (Date.now() < until) {
        const own = await tokenFromA('/v1/tokens/service', { audience: services.serviceB.id });
        if (own.status !== 200) {
          failures.push(`token: ${own.status} ${own.body.code}`);
          continue;
        }
        const token = own.body.access_token!;
        seen.add(token);
        if ((payloadOf(token)['exp'] as number) * 1000 <= Date.now()) failures.push('a token past its exp');
        const r = await authorizeAtB(token, 'GET', '/api/orders/1');
        if (r.status !== 200 || r.body.allow !== true) failures.push(`B: ${r.status} ${r.body.code ?? r.body.allow}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    assert.deepEqual(failures.slice(0, 5), []);
    assert.ok(seen.size >= 2, `A's sidecar handed out ${seen.size} distinct tokens over ${lifespan + 8} s of a ${lifespan} s lifespan`);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(metrics, /authz_token_refreshes_total\{grant="client_credentials"\} [1-9]/);
  });
});
