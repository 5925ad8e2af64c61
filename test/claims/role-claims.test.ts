import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoleClaims, readRoles, roleClaimProblem } from '../../src/claims/role-claims.ts';
import { mergeClaims, mergeRoles } from '../../src/claims/merge-claims.ts';

// Shapes as Keycloak 26 sends them (docs/keycloak.md): top-level `roles`/`groups` from mappers,
// `realm_access.roles` and `resource_access.<client>.roles` from the built-in `roles` scope.
const keycloak = {
  sub: 'f1',
  roles: ['admin'],
  groups: ['admins'],
  realm_access: { roles: ['offline_access', 'orders-viewer'] },
  resource_access: { 'orders-api': { roles: ['read', 'write'] }, account: { roles: ['manage-account'] } },
  'https://example.com/roles': ['namespaced'],
};

describe('role claims', () => {
  it('reads Keycloak realm, client and group roles, with prefixes, in configuration order', () => {
    const paths = parseRoleClaims(['realm_access.roles', 'resource_access.orders-api.roles|orders-api:', 'groups|group:']);
    assert.deepEqual(readRoles(keycloak, paths), ['offline_access', 'orders-viewer', 'orders-api:read', 'orders-api:write', 'group:admins']);
  });

  it('tells "no role claim at all" (undefined) from "an empty list"', () => {
    const paths = parseRoleClaims(['roles', 'groups']);
    assert.equal(readRoles({ sub: 'dave' }, paths), undefined, 'Keycloak omits both claims for a user without roles');
    assert.deepEqual(readRoles({ sub: 'x', roles: [] }, paths), []);
  });

  it('reads a namespaced claim whose name contains dots literally before walking nested members', () => {
    assert.deepEqual(readRoles(keycloak, parseRoleClaims(['https://example.com/roles'])), ['namespaced']);
  });

  it('ignores non-string members and inherited properties, and de-duplicates', () => {
    const claims = JSON.parse('{"roles": ["a", 1, null, {"x": 1}, "a", "b"], "nested": {"__proto__": {"roles": ["evil"]}}}');
    assert.deepEqual(readRoles(claims, parseRoleClaims(['roles'])), ['a', 'b']);
    assert.equal(readRoles(claims, parseRoleClaims(['nested.toString', 'constructor'])), undefined);
  });

  it('merges paths in configuration order and removes duplicates across paths', () => {
    const claims = { roles: ['a', 'b'], groups: ['b', 'c', 'a'] };
    assert.deepEqual(readRoles(claims, parseRoleClaims(['roles', 'groups'])), ['a', 'b', 'c']);
    assert.deepEqual(readRoles(claims, parseRoleClaims(['groups', 'roles'])), ['b', 'c', 'a']);
  });

  it('a single string counts as one role, prefixed like a list member', () => {
    assert.deepEqual(readRoles({ role: 'admin' }, parseRoleClaims(['role'])), ['admin']);
    assert.deepEqual(readRoles({ role: 'admin' }, parseRoleClaims(['role|app:'])), ['app:admin']);
  });

  it('a present claim of another type, or null, counts as present with no roles (the token says: none)', () => {
    const paths = parseRoleClaims(['roles']);
    assert.deepEqual(readRoles({ roles: 42 }, paths), []);
    assert.deepEqual(readRoles({ roles: { admin: true } }, paths), []);
    assert.deepEqual(readRoles({ roles: null }, paths), []);
  });

  it('a path through a non-object stops there', () => {
    const paths = parseRoleClaims(['realm_access.roles']);
    assert.equal(readRoles({ realm_access: 'admin' }, paths), undefined);
    assert.equal(readRoles({ realm_access: ['roles'] }, paths), undefined);
    assert.equal(readRoles({ realm_access: null }, paths), undefined);
  });

  it('inherited top-level properties are not roles (no prototype lookups)', () => {
    assert.equal(readRoles({}, parseRoleClaims(['__proto__'])), undefined);
    const withProto = Object.create({ roles: ['admin'] }) as Record<string, unknown>;
    assert.equal(readRoles(withProto, parseRoleClaims(['roles'])), undefined);
  });

  it('no paths means undefined', () => {
    assert.equal(readRoles({ roles: ['admin'] }, []), undefined);
  });

  it('names what is wrong with a bad entry', () => {
    assert.equal(roleClaimProblem('resource_access.orders-api.roles|orders-api:'), undefined);
    assert.match(roleClaimProblem('a|b|c')!, /at most one/);
    assert.match(roleClaimProblem('|prefix')!, /non-empty/);
    assert.match(roleClaimProblem('realm_access..roles')!, /empty segment/);
  });
});

describe('merging token and fetched claims', () => {
  const token = { sub: 'alice', iss: 'https://idp', aud: 'svc', scope: 'openid', name: 'From Token', department: 'sales' };
  const userinfo = { sub: 'alice', name: 'From IdP', email: 'a@example.com', aud: 'other', iss: 'https://evil', active: true };

  it('token-wins keeps the token value of a claim both carry; fetched-only claims are added', () => {
    const s = mergeClaims(token, [userinfo], ['r'], 'token-wins');
    assert.equal(s['name'], 'From Token');
    assert.equal(s['email'], 'a@example.com');
    assert.deepEqual(s['roles'], ['r']);
  });

  it('idp-wins takes the fetched value, but never for the claims that describe the token', () => {
    const s = mergeClaims(token, [userinfo], [], 'idp-wins');
    assert.equal(s['name'], 'From IdP');
    assert.equal(s['aud'], 'svc');
    assert.equal(s['iss'], 'https://idp');
    assert.equal(s['active'], undefined);
  });

  it('later sources replace earlier ones', () => {
    const s = mergeClaims({ sub: 'a', iss: 'i' }, [{ name: 'introspection' }, { name: 'userinfo' }], [], 'token-wins');
    assert.equal(s['name'], 'userinfo');
  });

  it('union of roles by default; idp-only drops the token roles once anything was fetched', () => {
    assert.deepEqual(mergeRoles(['old', 'x'], [['x', 'new']], 'union'), ['old', 'x', 'new']);
    assert.deepEqual(mergeRoles(['old', 'x'], [['x', 'new']], 'idp-only'), ['x', 'new']);
    assert.deepEqual(mergeRoles(['old'], [], 'idp-only'), ['old'], 'nothing fetched: the token is all there is');
  });
});

describe('role claims on answers recorded from a real Keycloak 26.7.3 (test/e2e/fixtures)', () => {
  it('the default `roles` path reads every user\'s realm roles; dave (no roles) has no claim at all', async () => {
    const { readFileSync } = await import('node:fs');
    const samples = JSON.parse(readFileSync(new URL('../e2e/fixtures/keycloak-samples.json', import.meta.url), 'utf8')).users;
    const realm = JSON.parse(readFileSync(new URL('../e2e/fixtures/keycloak-realm.json', import.meta.url), 'utf8')).users;
    const paths = parseRoleClaims(['roles', 'groups|group:']);
    for (const user of ['alice', 'bob', 'carol']) {
      const roles = readRoles(samples[user].userinfo, paths)!;
      const expected = [...realm[user].roles, ...realm[user].groups.map((g: string) => `group:${g}`)];
      assert.deepEqual([...roles].sort(), expected.sort(), user);
    }
    assert.equal(readRoles(samples.dave.userinfo, paths), undefined);
    assert.equal(readRoles(samples.alice.accessTokenPayload, paths), undefined, 'the access token is subject-only');
  });
});
