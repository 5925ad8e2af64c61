import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { closeDoors, EXT_AUTHZ_DOORS, EXT_AUTHZ_GRPC, FRONT_DOORS, grpcClientOf, type DoorAnswer } from '../helpers/front-doors.ts';
import { JWT_ATTACKS } from './jwt-attacks.ts';

const del = { method: 'DELETE', target: '/api/orders/1' };
const crlf = (token: string): boolean => /[\r\n]/.test(token);

/**
 * The attack catalogue through every front door of a real sidecar whose issuer is the attack IdP:
 * `POST /authorize`, forward-auth, Envoy's ext_authz over gRPC and its HTTP service
 * (test/helpers/front-doors.ts). Every attack must be refused with 401, its stable code, its reason
 * and the Bearer challenge, on every door, and the decision log must record a deny for it.
 */
describe('JWT attacks through every front door', () => {
  let idp: AttackIdp;
  const sidecars: Record<string, TestSidecar> = {};
  before(async () => {
    idp = await startAttackIdp();
    sidecars['default'] = await startTestSidecar(idp.issuer, { ...EXT_AUTHZ_DOORS });
    sidecars['HS256 enabled'] = await startTestSidecar(idp.issuer, { 'token.algorithms': ['RS256', 'ES256', 'HS256'], 'token.hmacSecret': 's'.repeat(32), ...EXT_AUTHZ_DOORS });
  });
  after(async () => {
    for (const sc of Object.values(sidecars)) {
      closeDoors(sc);
      await sc.stop();
    }
    await idp.stop();
  });

  const send = (sc: TestSidecar, token: string) =>
    Promise.all(FRONT_DOORS.map(async (door): Promise<[string, DoorAnswer]> => [door.name, await door.send(sc, { ...del, headers: [['Authorization', `Bearer ${token}`]] })]));

  it('allows the legitimate token the attacks are derived from, on every door (the suite can fail)', async () => {
    for (const sc of Object.values(sidecars)) {
      for (const [door, answer] of await send(sc, idp.sign(idp.claims()))) assert.equal(answer.allowed, true, door);
    }
  });

  for (const attack of JWT_ATTACKS) {
    it(`answers 401: ${attack.name}`, async () => {
      const token = attack.token(idp);
      for (const [config, sc] of Object.entries(sidecars)) {
        for (const [door, answer] of await send(sc, token)) {
          const where = `[${config}, ${door}]`;
          assert.equal(answer.allowed, false, where);
          if (crlf(token) && door !== EXT_AUTHZ_GRPC.name) {
            // Raw CR/LF in an HTTP header: the parser refuses the request (400) or the header ends early (401).
            assert.ok([400, 401].includes(answer.status), `${where} answered ${answer.status}`);
            continue;
          }
          assert.equal(answer.status, 401, `${where} ${JSON.stringify(answer)}`);
          assert.equal(answer.code, attack.code ?? 'invalid_token', where);
          assert.match(answer.message ?? '', attack.reason, where);
          assert.match(answer.challenge ?? '', /^Bearer realm="authz-sidecar", error="invalid_token"/, where);
        }
      }
    });
  }

  it('logged every refused attack as a deny and never an allow', async () => {
    for (const sc of Object.values(sidecars)) {
      await sc.sidecar.whenReady();
      const http = FRONT_DOORS.length - 1;
      const expected = JWT_ATTACKS.reduce((n, a) => n + (crlf(a.token(idp)) ? 1 : FRONT_DOORS.length), 0) + FRONT_DOORS.length;
      const lines = await waitForLines(sc, expected);
      assert.ok(lines.length >= expected, `${lines.length} of ${expected} decisions logged (${http} HTTP doors)`);
      // Exactly the control requests, one per door, allowed.
      assert.equal(lines.filter((d) => d.result.allow === true).length, FRONT_DOORS.length);
      assert.ok(lines.filter((d) => d.error).every((d) => ['invalid_token', 'token_too_large'].includes(d.error.code)));
      assert.ok(grpcClientOf(sc));
    }
  });
});

async function waitForLines(sc: TestSidecar, atLeast: number): Promise<any[]> {
  for (let i = 0; i < 150; i++) {
    const lines = sc.decisions();
    if (lines.length >= atLeast) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sc.decisions();
}
