import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/bundles.ts';

/** What scripts/keycloak/gen-realm.mjs wrote about the realm: client, secret, users, expected roles. */
export interface RealmFixture {
  realm: string;
  issuerPath: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  scopes: { subjectOnly: string; rolesInToken: string };
  users: Record<string, { password: string; groups: string[]; roles: string[] }>;
}

export const REALM: RealmFixture = JSON.parse(readFileSync(join(ROOT, 'test/e2e/fixtures/keycloak-realm.json'), 'utf8'));

/**
 * The Keycloak the suite runs against: `KEYCLOAK_URL` (for example http://127.0.0.1:8080), set by
 * the global setup (test/e2e/global-setup.ts) after it started one, or by the caller to reuse one.
 */
export function keycloakUrl(): string {
  const url = process.env['KEYCLOAK_URL'];
  if (!url) throw new Error('KEYCLOAK_URL is not set: run the suite with `npm run test:e2e` (its global setup starts Keycloak)');
  return url.replace(/\/+$/, '');
}

export function issuer(): string {
  return `${keycloakUrl()}${REALM.issuerPath}`;
}

/** An access token from the password grant (as a client of the realm would get it). */
export async function passwordToken(user: string, scope: string = REALM.scopes.subjectOnly): Promise<string> {
  const u = REALM.users[user];
  if (!u) throw new Error(`unknown realm user ${user}`);
  const res = await fetch(`${issuer()}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: REALM.clientId,
      client_secret: REALM.clientSecret,
      username: user,
      password: u.password,
      scope,
    }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`token request for ${user} (scope '${scope}') answered ${res.status}: ${text}`);
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error(`token response for ${user} has no access_token`);
  return token;
}

/** The decoded payload of a compact JWS, for looking only (never for deciding). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** The same token with its payload changed and the original signature kept. */
export function tamper(token: string, change: Record<string, unknown>): string {
  const [h, , s] = token.split('.');
  const payload = Buffer.from(JSON.stringify({ ...payloadOf(token), ...change })).toString('base64url');
  return `${h}.${payload}.${s}`;
}
