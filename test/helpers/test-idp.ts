import { startDemoIdp, type DemoIdp } from '../../src/demo/demo-idp.ts';
import { DEMO_AUDIENCE, DEMO_CLIENT_ID, type DemoUser } from '../../src/demo/demo-users.ts';
import { requestDemoToken } from '../../src/demo/request-token.ts';

export interface TestIdp extends DemoIdp {
  /** A subject-only token from the IdP's token endpoint (password grant). */
  token(user: string): Promise<string>;
  /** A token signed by the IdP's key with any claims (for expired, wrong aud, ...). */
  signed(claims: Record<string, unknown>, expiresIn?: number): Promise<string>;
  /** userinfo calls seen, by subject. */
  readonly userinfoCalls: Map<string, number>;
}

export const TEST_USERS: Record<string, DemoUser> = {
  alice: { name: 'Alice', roles: ['admin'], groups: [] },
  bob: { name: 'Bob', roles: ['orders-viewer'], groups: [] },
  gina: { name: 'Gina', roles: [], groups: ['/order-readers'] },
};

/** The demo's oauth2-mock-server provider on a free loopback port, with counters for tests. */
export async function startTestIdp(users: Record<string, DemoUser> = TEST_USERS): Promise<TestIdp> {
  const idp = await startDemoIdp({ port: 0, users });
  const userinfoCalls = new Map<string, number>();
  idp.server.service.on('beforeUserinfo', (response: { body: { sub?: string } }) => {
    const sub = response.body?.sub;
    if (sub) userinfoCalls.set(sub, (userinfoCalls.get(sub) ?? 0) + 1);
  });
  return {
    ...idp,
    userinfoCalls,
    token: (user) => requestDemoToken(idp.issuer, user),
    signed: (claims, expiresIn = 3600) =>
      idp.server.issuer.buildToken({
        expiresIn,
        scopesOrTransform: (_header: unknown, payload: Record<string, unknown>) => {
          Object.assign(payload, { aud: DEMO_AUDIENCE, azp: DEMO_CLIENT_ID, scope: 'openid' }, claims);
        },
      }),
  };
}
