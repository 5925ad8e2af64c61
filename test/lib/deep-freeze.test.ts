import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepFreeze } from '../../src/lib/deep-freeze.ts';

test('freezes an object, its members and the members of its arrays', () => {
  const v = deepFreeze({ a: { b: [1, { c: 'x' }] }, d: 'e' });
  assert.ok(Object.isFrozen(v));
  assert.ok(Object.isFrozen(v.a));
  assert.ok(Object.isFrozen(v.a.b));
  assert.ok(Object.isFrozen(v.a.b[1]));
  assert.throws(() => {
    (v.a.b[1] as { c: string }).c = 'y';
  }, TypeError);
});

test('leaves primitives and null as they are', () => {
  assert.equal(deepFreeze(null), null);
  assert.equal(deepFreeze('s'), 's');
  assert.equal(deepFreeze(3), 3);
});

test('takes an object frozen already as frozen all the way down (a shared part is not walked again)', () => {
  const inner = { open: true };
  const shared = Object.freeze({ inner });
  deepFreeze({ shared });
  assert.equal(Object.isFrozen(inner), false);
});
