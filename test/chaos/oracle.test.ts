import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoIdp, type DemoIdp } from '../../src/demo/demo-idp.ts';
import { DEMO_AUDIENCE, DEMO_CLIENT_ID } from '../../src/demo/demo-users.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { judge, policyAllows, readPolicyData, type Subject } from './oracle.ts';
import { startLoad, type LoadStats } from './load.ts';
import { createRng } from './rng.ts';
import { createMinter, makeSubjects, newSigningKey, type Minter } from './tokens.ts';

const data = readPolicyData();
const subjects = makeSubjects(40);
const none = new Set<string>();

/** Two seconds of the chaos run's load and oracle against `url`. */
async function judgeFor(url: string, minter: Minter, ms = 2000): Promise<LoadStats> {
  const load = startLoad({ url, ratePerSecond: 150, subjects, data, minter, rng: createRng(7), phase: () => 'healthy', tolerated: () => none });
  await new Promise((r) => setTimeout(r, ms));
  await load.stop();
  return load.stats;
}

const count = (s: LoadStats, verdict: 'ok' | 'wrong_allow' | 'unexpected_deny' | 'bad_token_decided'): number => s.byPhase.get('healthy')?.verdicts[verdict] ?? 0;

describe('the chaos oracle (test/chaos/oracle.ts)', () => {
  it('reads the sample policy as rego/authz/policy.rego does: methods, "*", "/prefix/**" by whole segments, groups', () => {
    const viewer: Subject = { sub: 'v', roles: ['orders-viewer'], groups: [] };
    const grouped: Subject = { sub: 'g', roles: [], groups: ['/order-readers'] };
    const admin: Subject = { sub: 'a', roles: ['admin'], groups: [] };
    const nobody: Subject = { sub: 'n', roles: [], groups: [] };
    assert.equal(policyAllows(data, viewer, 'GET', '/api/orders/1'), true);
    assert.equal(policyAllows(data, viewer, 'GET', '/api/orders'), true);
    assert.equal(policyAllows(data, viewer, 'GET', '/api/ordersX'), false);
    assert.equal(policyAllows(data, viewer, 'DELETE', '/api/orders/1'), false);
    assert.equal(policyAllows(data, grouped, 'GET', '/api/orders/1'), true);
    assert.equal(policyAllows(data, admin, 'DELETE', '/api/users/1'), true);
    assert.equal(policyAllows(data, admin, 'GET', '/other/1'), false);
    assert.equal(policyAllows(data, nobody, 'GET', '/api/orders/1'), false);
  });

  it('judges: an allow is right only for a valid token the policy allows; a documented refusal is tolerated only when a fault explains it', () => {
    const faults = new Set(['503 claims_unavailable']);
    assert.equal(judge({ token: 'forged', policyAllow: false, tolerated: none }, { kind: 'allow' }).verdict, 'wrong_allow');
    assert.equal(judge({ token: 'valid', policyAllow: false, tolerated: none }, { kind: 'allow' }).verdict, 'wrong_allow');
    assert.equal(judge({ token: 'valid', policyAllow: true, tolerated: none }, { kind: 'allow' }).verdict, 'ok');
    assert.equal(judge({ token: 'expired', policyAllow: false, tolerated: none }, { kind: 'refusal', status: 401, code: 'invalid_token' }).verdict, 'ok');
    assert.equal(judge({ token: 'forged', policyAllow: false, tolerated: none }, { kind: 'deny' }).verdict, 'bad_token_decided');
    const unavailable = { kind: 'refusal', status: 503, code: 'claims_unavailable' } as const;
    assert.equal(judge({ token: 'valid', policyAllow: true, tolerated: faults }, unavailable).verdict, 'tolerated_deny');
    assert.equal(judge({ token: 'valid', policyAllow: true, tolerated: none }, unavailable).verdict, 'unexpected_deny');
  });

  describe('against a sidecar, with the run\'s load', () => {
    let idp: DemoIdp;
    let minter: Minter;
    let real: TestSidecar;
    let broken: Server;
    let brokenUrl: string;
    before(async () => {
      idp = await startDemoIdp({ port: 0, users: Object.fromEntries(subjects.map((s) => [s.sub, { name: s.sub, roles: s.roles, groups: s.groups }])) });
      const key = await newSigningKey('oracle-test');
      await idp.server.issuer.keys.add(key.jwk);
      minter = createMinter(idp.issuer, DEMO_AUDIENCE, DEMO_CLIENT_ID, key, await newSigningKey('forger'));
      real = await startTestSidecar(idp.issuer, { 'decisionLog.target': 'none' });
      // A deliberately broken build, standing in for the sidecar: it reads the token's claims but never
      // checks the signature (and decides as the policy would). It exists only here, so the product
      // keeps no switch that could turn its signature check off.
      broken = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const id = randomUUID();
          const send = (status: number, answer: Record<string, unknown>): void => {
            res.writeHead(status, { 'content-type': 'application/json', 'x-authz-decision-id': id }).end(JSON.stringify({ ...answer, decision_id: id }));
          };
          try {
            const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
            const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; exp: number };
            if (claims.exp * 1000 < Date.now()) return send(401, { code: 'invalid_token' });
            const subject = subjects.find((s) => s.sub === claims.sub);
            const { method, path } = JSON.parse(body) as { method: string; path: string };
            send(200, { allow: subject !== undefined && policyAllows(data, subject, method, path) });
          } catch {
            send(401, { code: 'invalid_token' });
          }
        });
      });
      await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
      brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    });
    after(async () => {
      await real?.stop();
      broken?.close();
      await idp?.stop();
    });

    it('finds no wrong allow and no unexplained deny in the real sidecar', async () => {
      const s = await judgeFor(real.url, minter);
      assert.ok(count(s, 'ok') > 100, `answers judged: ${count(s, 'ok')}`);
      assert.equal(count(s, 'wrong_allow'), 0);
      assert.equal(count(s, 'bad_token_decided'), 0);
      assert.equal(count(s, 'unexpected_deny'), 0, JSON.stringify([...(s.byPhase.get('healthy')?.causes ?? [])]));
    });

    it('catches a build whose signature check is off: forged tokens are allowed, and counted as wrong allows', async () => {
      const s = await judgeFor(brokenUrl, minter);
      assert.ok(count(s, 'wrong_allow') > 0, 'the oracle counts the forged tokens that were allowed');
      assert.ok(count(s, 'bad_token_decided') > 0, 'and the forged tokens that reached the policy');
      assert.ok(s.wrongAllows.some((w) => w.includes('forged')), s.wrongAllows.join('\n'));
    });
  });
});
