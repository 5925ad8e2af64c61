#!/usr/bin/env node
// Generates scripts/keycloak/realm-authz.json (the Keycloak realm import for the end-to-end tests)
// and test/e2e/fixtures/keycloak-realm.json (what the tests need to know about it: client,
// secret, users, passwords, expected roles and groups). Both files are committed; rerun this
// after changing anything here:   node scripts/keycloak/gen-realm.mjs
//
// Design: access tokens are subject-only (sub, iss, aud, exp, iat, jti, azp, scope, ...).
// Realm roles and groups are only in the userinfo response, as top-level `roles` and `groups`
// (the sidecar's default `claims.roleClaims` is `roles`). The optional client scope
// `roles-in-token` puts the same two claims into the access token instead, to compare sizes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export const REALM = 'authz-demo';
export const CLIENT_ID = 'authz-sidecar-demo';
// Dev realm on loopback only: the secret is fixed on purpose so tests can use it.
export const CLIENT_SECRET = 'authz-sidecar-demo-secret-dev-only';
export const API_ROLE_COUNT = 500;
// Service-to-service (docs/service-to-service.md, test/e2e/service-to-service.e2e.ts): a web app the
// users sign in to, whose tokens are for service A; service A's own client (client credentials and
// standard token exchange, Keycloak 26.2+) with short-lived tokens; service B, the audience A calls.
export const WEB_APP = { id: 'web-app', secret: 'web-app-secret-dev-only' };
export const SERVICE_A = { id: 'service-a', secret: 'service-a-secret-dev-only', tokenLifespan: 20 };
export const SERVICE_B = { id: 'service-b', secret: 'service-b-secret-dev-only' };

const apiRoles = Array.from({ length: API_ROLE_COUNT }, (_, i) => `api-${String(i).padStart(4, '0')}-reader`);

const realmRoles = [
  { name: 'admin', description: 'Administrator' },
  { name: 'orders-viewer', description: 'May view orders' },
  ...apiRoles.map((name) => ({ name, description: `Read access to ${name.slice(0, 8)}` })),
];

const groups = [
  { name: 'admins', roles: ['admin'] },
  { name: 'order-readers', roles: ['orders-viewer'] },
  { name: 'api-readers', roles: [...apiRoles, 'orders-viewer'] },
];

const users = [
  { username: 'alice', firstName: 'Alice', lastName: 'Admin', groups: ['admins'] },
  { username: 'bob', firstName: 'Bob', lastName: 'Orders', groups: ['order-readers'] },
  { username: 'carol', firstName: 'Carol', lastName: 'Many-Roles', groups: ['api-readers'] },
  { username: 'dave', firstName: 'Dave', lastName: 'Nobody', groups: [] },
].map((u) => ({ ...u, password: `${u.username}-password` }));

const oidc = 'openid-connect';
const flags = ({ access = false, id = false, userinfo = false, introspection = false }) => ({
  'access.token.claim': String(access),
  'id.token.claim': String(id),
  'userinfo.token.claim': String(userinfo),
  'introspection.token.claim': String(introspection),
  'lightweight.claim': 'false',
});

const realmRolesMapper = (name, where) => ({
  name,
  protocol: oidc,
  protocolMapper: 'oidc-usermodel-realm-role-mapper',
  consentRequired: false,
  config: { 'claim.name': 'roles', 'jsonType.label': 'String', multivalued: 'true', ...flags(where) },
});

const groupsMapper = (name, where) => ({
  name,
  protocol: oidc,
  protocolMapper: 'oidc-group-membership-mapper',
  consentRequired: false,
  // full.path=false: "admins" rather than "/admins".
  config: { 'claim.name': 'groups', 'full.path': 'false', ...flags(where) },
});

const clientScopes = [
  {
    // Same name and mappers as Keycloak's built-in `basic` scope: without it Keycloak 25+
    // leaves `sub` out of the access token, and the sidecar requires `sub`.
    name: 'basic',
    description: 'OpenID Connect scope for add all basic claims to the token',
    protocol: oidc,
    attributes: { 'include.in.token.scope': 'false', 'display.on.consent.screen': 'false' },
    protocolMappers: [
      {
        name: 'sub',
        protocol: oidc,
        protocolMapper: 'oidc-sub-mapper',
        consentRequired: false,
        config: { 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
      },
      {
        name: 'auth_time',
        protocol: oidc,
        protocolMapper: 'oidc-usersessionmodel-note-mapper',
        consentRequired: false,
        config: {
          'user.session.note': 'AUTH_TIME',
          'claim.name': 'auth_time',
          'jsonType.label': 'long',
          ...flags({ access: true, id: true, introspection: true }),
        },
      },
    ],
  },
  {
    // Roles and groups for the userinfo endpoint only; never in the access or ID token.
    name: 'authz-userinfo',
    description: 'Realm roles, groups and username in the userinfo response only',
    protocol: oidc,
    attributes: { 'include.in.token.scope': 'false', 'display.on.consent.screen': 'false' },
    protocolMappers: [
      realmRolesMapper('realm roles (userinfo only)', { userinfo: true }),
      groupsMapper('groups (userinfo only)', { userinfo: true }),
      {
        name: 'username (userinfo only)',
        protocol: oidc,
        protocolMapper: 'oidc-usermodel-attribute-mapper',
        consentRequired: false,
        config: {
          'user.attribute': 'username',
          'claim.name': 'preferred_username',
          'jsonType.label': 'String',
          ...flags({ userinfo: true }),
        },
      },
    ],
  },
  {
    // Optional: request it (scope=openid roles-in-token) to get roles and groups in the access
    // token too, e.g. to measure how large such a token gets.
    name: 'roles-in-token',
    description: 'Realm roles and groups in the access token (for size comparisons)',
    protocol: oidc,
    attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
    protocolMappers: [
      realmRolesMapper('realm roles (access token)', { access: true, introspection: true }),
      groupsMapper('groups (access token)', { access: true, introspection: true }),
    ],
  },
];

const client = {
  clientId: CLIENT_ID,
  name: 'authz-sidecar demo services',
  description: 'Confidential client for the authz-sidecar end-to-end tests',
  enabled: true,
  protocol: oidc,
  publicClient: false,
  clientAuthenticatorType: 'client-secret',
  secret: CLIENT_SECRET,
  standardFlowEnabled: false,
  implicitFlowEnabled: false,
  directAccessGrantsEnabled: true, // password grant, for tests
  serviceAccountsEnabled: true, // client_credentials, for services
  frontchannelLogout: false,
  fullScopeAllowed: true,
  attributes: {},
  protocolMappers: [
    {
      name: 'audience authz-sidecar-demo',
      protocol: oidc,
      protocolMapper: 'oidc-audience-mapper',
      consentRequired: false,
      config: {
        'included.client.audience': CLIENT_ID,
        'access.token.claim': 'true',
        'id.token.claim': 'false',
        'introspection.token.claim': 'true',
        'lightweight.claim': 'false',
      },
    },
  ],
  // Not `roles`, `profile`, `email`, `web-origins`, `acr`: those would add claims to the access token.
  defaultClientScopes: ['basic', 'authz-userinfo'],
  optionalClientScopes: ['roles-in-token'],
};

const audienceMapper = (audience) => ({
  name: `audience ${audience}`,
  protocol: oidc,
  protocolMapper: 'oidc-audience-mapper',
  consentRequired: false,
  config: {
    'included.client.audience': audience,
    'access.token.claim': 'true',
    'id.token.claim': 'false',
    'introspection.token.claim': 'true',
    'lightweight.claim': 'false',
  },
});

const confidential = (c, rest) => ({
  clientId: c.id,
  enabled: true,
  protocol: oidc,
  publicClient: false,
  clientAuthenticatorType: 'client-secret',
  secret: c.secret,
  standardFlowEnabled: false,
  implicitFlowEnabled: false,
  directAccessGrantsEnabled: false,
  serviceAccountsEnabled: false,
  frontchannelLogout: false,
  fullScopeAllowed: true,
  attributes: {},
  protocolMappers: [],
  defaultClientScopes: ['basic', 'authz-userinfo'],
  optionalClientScopes: [],
  ...rest,
});

const serviceClients = [
  // Users sign in here (password grant in tests); their tokens are for service A.
  confidential(WEB_APP, { name: 'web app (signs users in; tokens for service A)', directAccessGrantsEnabled: true, protocolMappers: [audienceMapper(SERVICE_A.id)] }),
  confidential(SERVICE_A, {
    name: 'service A (client credentials, standard token exchange)',
    serviceAccountsEnabled: true,
    attributes: { 'standard.token.exchange.enabled': 'true', 'access.token.lifespan': String(SERVICE_A.tokenLifespan) },
    protocolMappers: [
      // Service B is an audience A may ask for: its client-credentials tokens carry it, and exchanges may narrow to it.
      audienceMapper(SERVICE_B.id),
      {
        // What Keycloak's own service_account scope adds: client_id only in service-account tokens (the session note
        // is set by the client credentials grant), so B's sidecar can tell A's own calls (claims.serviceClaim) from users'.
        name: 'client_id (service accounts only)',
        protocol: oidc,
        protocolMapper: 'oidc-usersessionmodel-note-mapper',
        consentRequired: false,
        config: { 'user.session.note': 'client_id', 'claim.name': 'client_id', 'jsonType.label': 'String', ...flags({ access: true, introspection: true }) },
      },
    ],
  }),
  confidential(SERVICE_B, { name: 'service B (the audience A calls)' }),
];

const realm = {
  realm: REALM,
  enabled: true,
  displayName: 'authz-sidecar demo',
  sslRequired: 'external',
  accessTokenLifespan: 900,
  registrationAllowed: false,
  resetPasswordAllowed: false,
  bruteForceProtected: false,
  roles: { realm: realmRoles },
  groups: groups.map((g) => ({ name: g.name, path: `/${g.name}`, realmRoles: g.roles, subGroups: [] })),
  users: users.map((u) => ({
    username: u.username,
    enabled: true,
    email: `${u.username}@example.test`,
    emailVerified: true,
    firstName: u.firstName,
    lastName: u.lastName,
    credentials: [{ type: 'password', value: u.password, temporary: false }],
    requiredActions: [],
    realmRoles: [],
    groups: u.groups.map((g) => `/${g}`),
  })),
  clientScopes,
  defaultDefaultClientScopes: ['basic'],
  defaultOptionalClientScopes: [],
  clients: [client, ...serviceClients],
};

// What the tests need: effective realm roles per user come from their groups only.
const rolesOf = (u) => [...new Set(u.groups.flatMap((g) => groups.find((x) => x.name === g).roles))].sort();
const fixture = {
  description: 'Generated by scripts/keycloak/gen-realm.mjs together with scripts/keycloak/realm-authz.json; do not edit.',
  realm: REALM,
  issuerPath: `/realms/${REALM}`,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  audience: CLIENT_ID,
  scopes: { subjectOnly: 'openid', rolesInToken: 'openid roles-in-token' },
  userinfoClaims: { roles: 'roles', groups: 'groups', username: 'preferred_username' },
  services: { webApp: WEB_APP, serviceA: SERVICE_A, serviceB: SERVICE_B },
  users: Object.fromEntries(users.map((u) => [u.username, {
    password: u.password,
    groups: [...u.groups].sort(),
    roles: rolesOf(u),
  }])),
};

const realmPath = join(here, 'realm-authz.json');
const fixturePath = join(root, 'test', 'e2e', 'fixtures', 'keycloak-realm.json');
writeFileSync(realmPath, JSON.stringify(realm, null, 2) + '\n');
mkdirSync(dirname(fixturePath), { recursive: true });
writeFileSync(fixturePath, JSON.stringify(fixture, null, 2) + '\n');
console.log(`wrote ${realmPath.slice(root.length + 1)} (${realmRoles.length} realm roles, ${users.length} users)`);
console.log(`wrote ${fixturePath.slice(root.length + 1)}`);
