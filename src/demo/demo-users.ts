/** The demo's users and what the demo IdP answers at userinfo for each. */
export interface DemoUser {
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly name: string;
}

/** carol holds a role per API: the user whose role-laden token would be ~30 KB. */
const carolRoles = [
  'orders-viewer',
  ...Array.from({ length: 4999 }, (_, i) => `api-${String(i).padStart(4, '0')}-reader`),
];

export const DEMO_USERS: Readonly<Record<string, DemoUser>> = {
  alice: { name: 'Alice Admin', roles: ['admin'], groups: ['/admins'] },
  bob: { name: 'Bob Viewer', roles: ['orders-viewer'], groups: [] },
  carol: { name: 'Carol Many-Roles', roles: carolRoles, groups: [] },
};

export const DEMO_AUDIENCE = 'authz-demo';
export const DEMO_CLIENT_ID = 'demo-service';
export const DEMO_IDP_PORT = 8180;

/** Where the demo writes its (hash-chained, checkpointed) decision log. */
export const DEMO_DECISION_LOG = '.demo/decisions.log';
