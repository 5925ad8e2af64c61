import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { JWT_ATTACKS } from './jwt-attacks.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };

/**
 * The attack catalogue through the real HTTP API: `POST /authorize` and forward-auth of a sidecar
 * whose issuer is the attack IdP. Every attack must answer 401 with its stable code and the
 * Bearer challenge, and the decision log must record a deny for it.
 */
describe('JWT attacks through the HTTP API', () => {
  let idp: AttackIdp;
  const sidecars: Record<string, TestSidecar> = {};
  before(async () => {
    idp = await startAttackIdp();
    sidecars['default'] = await startTestSidecar(idp.issuer);
    sidecars['HS256 enabled'] = await startTestSidecar(idp.issuer, { 'token.algorithms': ['RS256', 'ES256', 'HS256'], 'token.hmacSecret': 's'.repeat(32) });
  });
  after(async () => {
    for (const sc of Object.values(sidecars)) await sc.stop();
    await idp.stop();
  });

  async function send(sc: TestSidecar, token: string): Promise<{ authorize: { status: number; body: any; challenge: string | null }; forward: number }> {
    if (/[\r\n]/.test(token)) {
      // fetch cannot put CR/LF into a header; the raw bytes must still never allow.
      const body = JSON.stringify(del);
      const a = await rawRequest(sc.url, `POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      const f = await rawRequest(sc.url, `GET /forward-auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Forwarded-Method: DELETE\r\nX-Forwarded-Uri: /api/orders/1\r\n\r\n`);
      return { authorize: { status: a.status ?? 0, body: undefined, challenge: null }, forward: f.status ?? 0 };
    }
    const authorization = `Bearer ${token}`;
    const res = await fetch(`${sc.url}/authorize`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(del) });
    const fwd = await fetch(`${sc.url}/forward-auth`, { headers: { authorization, 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/orders/1' } });
    await fwd.arrayBuffer();
    return { authorize: { status: res.status, body: await res.json(), challenge: res.headers.get('www-authenticate') }, forward: fwd.status };
  }

  it('allows the legitimate token the attacks are derived from (the suite can fail)', async () => {
    for (const sc of Object.values(sidecars)) {
      const { authorize, forward } = await send(sc, idp.sign(idp.claims()));
      assert.equal(authorize.status, 200);
      assert.equal(authorize.body.allow, true);
      assert.equal(forward, 200);
    }
  });

  for (const attack of JWT_ATTACKS) {
    it(`answers 401: ${attack.name}`, async () => {
      const token = attack.token(idp);
      for (const [config, sc] of Object.entries(sidecars)) {
        const { authorize, forward } = await send(sc, token);
        if (authorize.body === undefined) {
          // Raw CR/LF: the HTTP parser refuses the request (400) or the header ends early (401).
          assert.ok([400, 401].includes(authorize.status), `[${config}] /authorize answered ${authorize.status}`);
          assert.ok([400, 401].includes(forward), `[${config}] forward-auth answered ${forward}`);
          continue;
        }
        assert.equal(authorize.status, 401, `[${config}] ${JSON.stringify(authorize.body)}`);
        assert.equal(authorize.body.code, attack.code ?? 'invalid_token', `[${config}]`);
        assert.notEqual(authorize.body.allow, true);
        assert.match(authorize.body.message, attack.reason, `[${config}]`);
        assert.match(authorize.challenge ?? '', /^Bearer realm="authz-sidecar", error="invalid_token"/);
        assert.equal(forward, 401, `[${config}] forward-auth`);
      }
    });
  }

  it('logged every refused attack as a deny and never an allow', async () => {
    for (const sc of Object.values(sidecars)) {
      await sc.sidecar.whenReady();
      const carried = JWT_ATTACKS.filter((a) => !/[\r\n]/.test(a.token(idp))).length;
      const lines = await waitForLines(sc, 2 * carried + 2);
      const allows = lines.filter((d) => d.result.allow === true);
      // Exactly the two control requests (authorize + forward-auth) allowed.
      assert.equal(allows.length, 2);
      assert.ok(lines.filter((d) => d.error).every((d) => ['invalid_token', 'token_too_large'].includes(d.error.code)));
    }
  });
});

async function waitForLines(sc: TestSidecar, atLeast: number): Promise<any[]> {
  for (let i = 0; i < 100; i++) {
    const lines = sc.decisions();
    if (lines.length >= atLeast) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sc.decisions();
}
