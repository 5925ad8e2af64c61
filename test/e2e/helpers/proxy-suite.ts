// The cases every reverse proxy in front of the demo service must pass, with authz-sidecar's
// forward-auth deciding (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth): one list,
// run by nginx.e2e.ts, caddy.e2e.ts and traefik.e2e.ts, so no proxy is held to less.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from '../../helpers/raw-http.ts';
import { REALM, issuer, passwordToken } from './keycloak.ts';
import { startDemoService, startSidecarProcess, type Child, type SidecarProcess } from './processes.ts';
import type { ProxyVars, RunningProxy } from './proxies.ts';

export interface ProxyUnderTest {
  readonly name: string;
  /** undefined: the proxy is not installed here (the reason in `skip`). */
  readonly start: ((vars: ProxyVars) => Promise<RunningProxy>) | undefined;
  readonly skip: string | false;
  /** The proxy also returns the decision id to the client (nginx's add_header). */
  readonly decisionIdToClient: boolean;
  /** What the proxy answers when the sidecar is down (it must not be a 2xx). */
  readonly downStatus: readonly number[];
  /** What the proxy answers to two Authorization headers: the sidecar's 400, or the proxy's own refusal. */
  readonly duplicateStatus: readonly number[];
}

export function describeProxy(p: ProxyUnderTest): void {
  describe(`${p.name} → authz-sidecar forward-auth → demo service`, { skip: p.skip }, () => {
    let sidecar: SidecarProcess;
    let demo: Child & { url: string };
    let proxy: RunningProxy;
    const tokens: Record<string, string> = {};

    before(async () => {
      if (!p.start) throw new Error(`${p.name} is not installed (scripts/e2e.sh installs it)`);
      sidecar = await startSidecarProcess({ AUTHZ_ISSUER: issuer(), AUTHZ_AUDIENCE: REALM.audience });
      demo = await startDemoService();
      proxy = await p.start({ AUTHZ_SIDECAR_URL: sidecar.url, UPSTREAM_URL: demo.url });
      for (const user of ['alice', 'bob']) tokens[user] = await passwordToken(user);
    });
    after(async () => {
      await proxy?.stop();
      await demo?.stop();
      await sidecar?.stop();
    });

    const call = (method: string, path: string, headers: Record<string, string> = {}) => fetch(`${proxy.url}${path}`, { method, headers });
    const serviceSaw = (line: string) => demo.output().includes(`demo-service: ${line}\n`);

    it('passes an allowed request to the service: bob GET /api/orders/1 → 200 with the service\'s body and the decision id', async () => {
      const res = await call('GET', '/api/orders/1?expand=items', { authorization: `Bearer ${tokens['bob']}` });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { service: string; method: string; url: string; decision_id: string };
      assert.deepEqual([body.service, body.method, body.url], ['demo-service', 'GET', '/api/orders/1?expand=items']);
      assert.match(body.decision_id, /^[0-9a-f-]{36}$/, 'the sidecar\'s decision id reaches the service');
      if (p.decisionIdToClient) assert.equal(res.headers.get('x-authz-decision-id'), body.decision_id);
      assert.equal((await sidecar.decision((d) => d.decision_id === body.decision_id)).result.allow, true);
    });

    it('lets alice (admin) DELETE /api/orders/1', async () => {
      const res = await call('DELETE', '/api/orders/1', { authorization: `Bearer ${tokens['alice']}` });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { method: string }).method, 'DELETE');
    });

    it('answers 401 with the sidecar\'s Bearer challenge when there is no token, and the service never sees it', async () => {
      const res = await call('GET', '/api/orders/4');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="authz-sidecar"/);
      assert.doesNotMatch(await res.text(), /demo-service/);
      assert.equal(serviceSaw('GET /api/orders/4'), false);
    });

    it('answers 403 to bob DELETE /api/orders/2, and the service never sees it', async () => {
      const res = await call('DELETE', '/api/orders/2', { authorization: `Bearer ${tokens['bob']}` });
      assert.equal(res.status, 403);
      assert.doesNotMatch(await res.text(), /demo-service/);
      assert.equal(serviceSaw('DELETE /api/orders/2'), false);
      const denied = await sidecar.decision((d) => d.request?.method === 'DELETE' && d.request?.path === '/api/orders/2');
      assert.equal(denied.result.allow, false);
    });

    it('ignores the method and URI headers a client sends (bob cannot pass DELETE off as GET)', async () => {
      const spoofs: Record<string, string>[] = [
        { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/api/orders/3' },
        { 'x-original-method': 'GET', 'x-original-uri': '/api/orders/3' },
      ];
      for (const spoof of spoofs) {
        const res = await call('DELETE', '/api/orders/3', { authorization: `Bearer ${tokens['bob']}`, ...spoof });
        assert.ok([400, 403].includes(res.status), `answered ${res.status} to ${JSON.stringify(spoof)}`);
      }
      assert.equal(serviceSaw('DELETE /api/orders/3'), false);
    });

    it('refuses two Authorization headers (bob\'s, then alice\'s): never decided on one and served for the other', async () => {
      const { hostname, port } = new URL(proxy.url);
      const res = await rawRequest(
        proxy.url,
        `DELETE /api/orders/5 HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${tokens['bob']}\r\nAuthorization: Bearer ${tokens['alice']}\r\nConnection: close\r\n\r\n`,
      );
      assert.ok(p.duplicateStatus.includes(res.status ?? 0), res.text.slice(0, 300));
      assert.doesNotMatch(res.text, /demo-service/);
      assert.equal(serviceSaw('DELETE /api/orders/5'), false);
    });

    // Last: it stops the sidecar.
    it('fails closed when the sidecar is down, and the service never sees the request', async () => {
      assert.equal(await sidecar.stop(), 0);
      const res = await call('GET', '/api/orders/6', { authorization: `Bearer ${tokens['bob']}` });
      assert.ok(p.downStatus.includes(res.status), `answered ${res.status}`);
      assert.doesNotMatch(await res.text(), /demo-service/);
      assert.equal(serviceSaw('GET /api/orders/6'), false);
    });
  });
}
