import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRoles } from '../../src/claims/read-roles.ts';

test('reads a top-level list', () => {
  assert.deepEqual(readRoles({ roles: ['admin', 'viewer'] }, ['roles']), ['admin', 'viewer']);
});

test('reads dotted paths into nested objects (Keycloak realm and client roles)', () => {
  const claims = {
    realm_access: { roles: ['offline_access', 'admin'] },
    resource_access: { 'my-client': { roles: ['orders-viewer'] } },
  };
  assert.deepEqual(readRoles(claims, ['realm_access.roles', 'resource_access.my-client.roles']), ['offline_access', 'admin', 'orders-viewer']);
});

test('merges paths in order and removes duplicates', () => {
  assert.deepEqual(readRoles({ roles: ['a', 'b'], groups: ['b', 'c', 'a'] }, ['roles', 'groups']), ['a', 'b', 'c']);
  assert.deepEqual(readRoles({ roles: ['a', 'b'], groups: ['b', 'c', 'a'] }, ['groups', 'roles']), ['b', 'c', 'a']);
});

test('a single string counts as one role', () => {
  assert.deepEqual(readRoles({ role: 'admin' }, ['role']), ['admin']);
});

test('non-string list items are ignored', () => {
  assert.deepEqual(readRoles({ roles: ['admin', 1, null, { name: 'x' }, ['y'], 'viewer'] }, ['roles']), ['admin', 'viewer']);
});

test('no claim at any path is undefined, unlike an empty list', () => {
  assert.equal(readRoles({ sub: 'alice' }, ['roles', 'groups']), undefined);
  assert.deepEqual(readRoles({ roles: [] }, ['roles']), []);
});

test('a present claim of another type counts as present with no roles', () => {
  assert.deepEqual(readRoles({ roles: 42 }, ['roles']), []);
  assert.deepEqual(readRoles({ roles: { admin: true } }, ['roles']), []);
});

test('a null claim counts as present with no roles', () => {
  assert.deepEqual(readRoles({ roles: null }, ['roles']), []);
});

test('a path through a non-object stops there', () => {
  assert.equal(readRoles({ realm_access: 'admin' }, ['realm_access.roles']), undefined);
  assert.equal(readRoles({ realm_access: ['roles'] }, ['realm_access.roles']), undefined);
  assert.equal(readRoles({ realm_access: null }, ['realm_access.roles']), undefined);
});

test('inherited properties are not roles (no prototype lookups)', () => {
  assert.equal(readRoles({}, ['constructor']), undefined);
  assert.equal(readRoles({}, ['__proto__']), undefined);
  assert.equal(readRoles({ a: {} }, ['a.toString']), undefined);
  const withProto = Object.create({ roles: ['admin'] }) as Record<string, unknown>;
  assert.equal(readRoles(withProto, ['roles']), undefined);
});

test('a key containing a dot is not reachable by the dotted path (documented limitation)', () => {
  assert.equal(readRoles({ 'realm.roles': ['admin'] }, ['realm.roles']), undefined);
});

test('no paths means undefined', () => {
  assert.equal(readRoles({ roles: ['admin'] }, []), undefined);
});
