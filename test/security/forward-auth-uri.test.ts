import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { AUTHORIZE, closeDoors, EXT_AUTHZ_DOORS, EXT_AUTHZ_GRPC, EXT_AUTHZ_HTTP, type FrontDoor } from '../helpers/front-doors.ts';

/**
 * URI tricks on every front door: forward-auth (with Traefik's and with nginx's headers),
 * `POST /authorize`, and Envoy's ext_authz over gRPC and HTTP. The caller holds `orders-viewer`, which the sample policy grants
 * `GET /api/orders/**` and nothing else. Each trick aims at something else (/api/admin, /admin);
 * it must be refused (400) or seen by the policy as its normalised path and denied (403), never
 * allowed. Spellings of an allowed path must normalise to it and be allowed, so the suite can fail.
 */
const DENIED: readonly (readonly [string, string])[] = [
  ['/api/orders/../admin', '/api/admin'],
  ['/api/orders/%2e%2e/admin', '/api/admin'],
  ['/api/orders/%2E%2E/admin', '/api/admin'],
  ['/api/orders/.%2e/admin', '/api/admin'],
  ['/api/orders/%2e./admin', '/api/admin'],
  ['/api/orders/..;/admin', '/api/admin'],
  ['/api/orders/..;jsessionid=x/admin', '/api/admin'],
  ['/api/orders;x=1/../admin', '/api/admin'],
  ['/api/orders/1/../../admin', '/api/admin'],
  ['/api/orders/../../../../../admin', '/admin'],
  ['//api//orders//..//..//admin', '/admin'],
  ['/api/orders/./../admin/.', '/api/admin'],
  ['/API/orders/1', '/API/orders/1'],
  ['/api/Orders/1', '/api/Orders/1'],
  ['/api/orders/..', '/api'],
  ['/api/orders%3b/../admin', '/api/admin'],
];

const REFUSED: readonly string[] = [
  '/api/orders/%2fadmin',
  '/api/orders/..%2fadmin',
  '/api/orders/..%2Fadmin',
  '/api/orders/..%5cadmin',
  '/api/orders/..\\admin',
  '/api/orders/%252e%252e/admin',
  '/api/orders/%252fadmin',
  '/api/orders/1%00',
  '/api/orders/1%0a/../admin',
  '/api/orders/%c0%ae%c0%ae/admin',
  '/api/orders/%e0%80%ae%e0%80%ae/admin',
  '/api/orders/%2',
  '/api/orders/%zz',
  '/api/orders/1#/../../admin',
  '/api/orders/1 /../admin',
  'api/orders/1',
  'http://evil.example/api/orders/1',
  '*',
  '/api/orders/' + 'a'.repeat(9000),
];

const ALLOWED: readonly (readonly [string, string])[] = [
  ['/api/orders/1', '/api/orders/1'],
  ['/api/orders/1/', '/api/orders/1'],
  ['//api///orders//1', '/api/orders/1'],
  ['/api/./orders/1', '/api/orders/1'],
  ['/api/orders;jsessionid=abc/1', '/api/orders/1'],
  ['/api/%6frders/1', '/api/orders/1'],
  ['/api/admin/../orders/1', '/api/orders/1'],
  ['/api/orders/1?next=/../../admin', '/api/orders/1'],
];

describe('URI tricks on every front door are normalised before the policy sees them', () => {
  let idp: AttackIdp;
  let sc: TestSidecar;
  let viewer: string;
  before(async () => {
    idp = await startAttackIdp();
    sc = await startTestSidecar(idp.issuer, { ...EXT_AUTHZ_DOORS });
    viewer = idp.sign(idp.claims({ sub: 'bob', roles: ['orders-viewer'] }));
  });
  after(async () => {
    closeDoors(sc);
    await sc.stop();
    await idp.stop();
  });

  /** Sends the URI raw, so fetch does not normalise or refuse it first. */
  async function forward(uri: string, family: 'traefik' | 'nginx', method = 'GET'): Promise<{ status: number | undefined; decisionId: string | undefined }> {
    const headers = family === 'traefik' ? `X-Forwarded-Method: ${method}\r\nX-Forwarded-Uri: ${uri}` : `X-Original-Method: ${method}\r\nX-Original-URI: ${uri}`;
    const res = await rawRequest(sc.url, `GET /forward-auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\n${headers}\r\nConnection: close\r\n\r\n`);
    return { status: res.status, decisionId: /\r\nx-authz-decision-id: *([0-9a-f-]+)/i.exec(res.text)?.[1] };
  }

  async function loggedPath(decisionId: string | undefined): Promise<string | undefined> {
    for (let i = 0; i < 50; i++) {
      const event = sc.decisions().find((d) => d.decision_id === decisionId);
      if (event) return event.request.path;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  /** forward-auth with each proxy's header family, then the other doors. */
  const forwardAuth = (family: 'traefik' | 'nginx'): FrontDoor => ({
    name: `forward-auth (${family})`,
    async send(_sc, req) {
      const { status, decisionId } = await forward(req.target, family, req.method);
      return { allowed: status === 200, status: status ?? 0, code: undefined, message: undefined, decisionId, challenge: undefined };
    },
  });
  const doors: readonly FrontDoor[] = [forwardAuth('traefik'), forwardAuth('nginx'), AUTHORIZE, EXT_AUTHZ_GRPC, EXT_AUTHZ_HTTP];
  const send = (door: FrontDoor, target: string) => door.send(sc, { method: 'GET', target, headers: [['Authorization', `Bearer ${viewer}`]] });

  for (const door of doors) {
    for (const [uri, seen] of ALLOWED) {
      it(`[${door.name}] allows ${JSON.stringify(uri)} as ${seen}`, async () => {
        const res = await send(door, uri);
        assert.equal(res.status, 200);
        assert.equal(await loggedPath(res.decisionId), seen);
      });
    }
    for (const [uri, seen] of DENIED) {
      it(`[${door.name}] denies ${JSON.stringify(uri)}: the policy sees ${seen}`, async () => {
        const res = await send(door, uri);
        assert.equal(res.status, 403);
        assert.equal(res.allowed, false);
        assert.equal(await loggedPath(res.decisionId), seen);
      });
    }
    for (const uri of REFUSED) {
      it(`[${door.name}] refuses ${JSON.stringify(uri.slice(0, 60))} with 400`, async () => {
        const res = await send(door, uri);
        assert.equal(res.allowed, false);
        // Envoy's HTTP service sends `<prefix><path>`: a path that does not start with "/" is no check at all (404).
        if (door === EXT_AUTHZ_HTTP && !uri.startsWith('/')) assert.equal(res.status, 404);
        else assert.equal(res.status, 400);
      });
    }
  }

  it('upper-cases the method and refuses one that is not letters', async () => {
    assert.equal((await forward('/api/orders/1', 'traefik', 'get')).status, 200);
    assert.equal((await forward('/api/orders/1', 'traefik', 'DELETE')).status, 403);
    assert.equal((await forward('/api/orders/1', 'traefik', 'GET,DELETE')).status, 400);
  });

  it('refuses a client-injected X-Forwarded-Uri that disagrees with the X-Original-URI nginx set', async () => {
    const res = await rawRequest(
      sc.url,
      `GET /forward-auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\nX-Original-Method: GET\r\nX-Original-URI: /api/admin\r\nX-Forwarded-Method: GET\r\nX-Forwarded-Uri: /api/orders/1\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(res.status, 400, 'regression: the client-supplied X-Forwarded-Uri used to win and answer 200');
    const method = await rawRequest(
      sc.url,
      `GET /forward-auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\nX-Original-Method: DELETE\r\nX-Original-URI: /api/orders/1\r\nX-Forwarded-Method: GET\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(method.status, 400);
  });

  it('refuses a URI header sent twice (two values joined by the HTTP parser)', async () => {
    const res = await rawRequest(sc.url, `GET /forward-auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\nX-Forwarded-Method: GET\r\nX-Forwarded-Uri: /api/orders/1\r\nX-Forwarded-Uri: /api/admin\r\nConnection: close\r\n\r\n`);
    assert.equal(res.status, 400);
  });

  it('applies the same normalisation to POST /authorize', async () => {
    const call = async (path: string) => {
      const res = await fetch(`${sc.url}/authorize`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path }) });
      return { status: res.status, body: (await res.json()) as any };
    };
    assert.equal((await call('/api/orders/%2e%2e/admin')).body.allow, false);
    assert.equal((await call('/api/orders/%252e%252e/admin')).status, 400);
    assert.equal((await call('/api/orders//1/')).body.allow, true);
  });
});
