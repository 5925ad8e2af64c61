import type { DemoUser } from '../../src/demo/demo-users.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { startTestSidecar, type TestSidecar } from './test-sidecar.ts';

export interface IdpAndSidecar {
  readonly idp: TestIdp;
  readonly sc: TestSidecar;
  /** Stops the sidecar, then the IdP. */
  close(): Promise<void>;
}

/**
 * A test IdP and an in-process sidecar that trusts it, ready to answer: the setup most HTTP
 * and integration suites share. `overrides` are config keys as for startTestSidecar.
 */
export async function withSidecar(overrides: Record<string, unknown> = {}, users?: Record<string, DemoUser>): Promise<IdpAndSidecar> {
  const idp = await startTestIdp(users);
  let sc: TestSidecar;
  try {
    sc = await startTestSidecar(idp.issuer, overrides);
  } catch (err) {
    await idp.stop();
    throw err;
  }
  return {
    idp,
    sc,
    async close() {
      await sc.stop();
      await idp.stop();
    },
  };
}
