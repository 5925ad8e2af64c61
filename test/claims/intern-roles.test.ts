import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRoleInterner } from '../../src/claims/intern-roles.ts';
import { parseRoleClaims } from '../../src/claims/role-claims.ts';
import { randomUUID } from 'node:crypto';
import { countHeapStrings } from '../helpers/heap-strings.ts';

describe('role interner', () => {
  it('hands every subject with the same role list one frozen array', () => {
    const i = createRoleInterner();
    const a = i.list(['admin', 'orders-viewer']);
    const b = i.list(JSON.parse('["admin","orders-viewer"]') as string[]);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.notEqual(i.list(['orders-viewer', 'admin']), a, 'order is part of the list');
    assert.notEqual(i.list(['admin\u0000orders-viewer']), a, 'names are not confused by the separator');
    assert.equal(i.size, 3);
  });

  it('replaces role claims by their interned lists, at top level and nested, and leaves other claims alone', () => {
    const i = createRoleInterner();
    const paths = parseRoleClaims(['roles', 'realm_access.roles', 'groups|group:']);
    const one = { roles: ['a', 'b'], realm_access: { roles: ['c'], other: [1] }, groups: ['g'], name: 'x' };
    const two = JSON.parse(JSON.stringify(one)) as typeof one;
    i.claims(one, paths);
    i.claims(two, paths);
    assert.equal(one.roles, two.roles);
    assert.equal(one.realm_access.roles, two.realm_access.roles);
    assert.equal(one.groups, two.groups);
    assert.deepEqual(two, { roles: ['a', 'b'], realm_access: { roles: ['c'], other: [1] }, groups: ['g'], name: 'x' });
    const mixed = { roles: ['a', 1] };
    i.claims(mixed, paths);
    assert.deepEqual(mixed.roles, ['a', 1], 'a list that is not all strings is kept as it came');
  });

  it('stays bounded: very long lists are not interned', () => {
    const i = createRoleInterner();
    const long = Array.from({ length: 5000 }, (_, n) => `r${n}`);
    assert.equal(i.list(long), long);
    assert.equal(i.size, 0);
  });

  it('lists that differ still share one string per role name', async () => {
    const i = createRoleInterner();
    const id = randomUUID();
    const a = i.list(JSON.parse(`["admin","api-${id}-reader"]`) as string[]);
    const b = i.list(JSON.parse(`["api-${id}-reader","orders-viewer"]`) as string[]);
    assert.equal(await countHeapStrings((s) => s === `api-${id}-reader`), 1);
    assert.notEqual(a, b);
    assert.deepEqual(b, [`api-${id}-reader`, 'orders-viewer'], 'each list keeps its names and order');
  });
});
