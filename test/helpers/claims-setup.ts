import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultIdp, TEST_AUDIENCE } from './fault-idp.ts';
import { startTestSidecar } from './test-sidecar.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

/** A sidecar against a fault-injectable IdP, on a clock the test moves (cache TTLs, stale window, breaker). */
export async function claimsSetup(overrides: Record<string, unknown> = {}) {
  const idp = await startFaultIdp();
  const clock = { t: Date.now() };
  const sc = await startTestSidecar(
    idp.issuer,
    {
      audience: [TEST_AUDIENCE],
      'claims.cacheTtlSeconds': 60,
      'claims.staleIfErrorSeconds': 60,
      'claims.userinfo.headersTimeoutMs': 150,
      'claims.userinfo.bodyTimeoutMs': 150,
      'claims.userinfo.connectTimeoutMs': 150,
      'claims.userinfo.maxResponseBytes': 4096,
      'claims.admin.token': ADMIN_TOKEN,
      ...overrides,
    },
    true,
    { now: () => clock.t },
  );
  const admin = async (): Promise<any> => (await fetch(`${sc.url}/admin/claims`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  return {
    idp,
    sc,
    admin,
    advance: (seconds: number) => void (clock.t += seconds * 1000),
    /** The decision log line of a decision (the log is written off the request path). */
    async logged(decisionId: string): Promise<any> {
      for (let i = 0; i < 100; i++) {
        const line = sc.decisions().find((d) => d.decision_id === decisionId);
        if (line) return line;
        await sleep(20);
      }
      throw new Error(`decision ${decisionId} was not logged`);
    },
    async close() {
      await sc.stop();
      await idp.stop();
    },
  };
}
export type ClaimsSetup = Awaited<ReturnType<typeof claimsSetup>>;

