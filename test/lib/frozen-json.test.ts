import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringifyMembers as encodeInput } from '../../src/lib/frozen-json.ts';

describe('stringifyMembers (the policy input and the decision event)', () => {
  it('writes exactly what JSON.stringify writes, for any JSON document, frozen members or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (v, obj, freeze) => {
        const input = { ...obj, subject: freeze && v !== null && typeof v === 'object' ? Object.freeze(v) : v, request: { method: 'GET' } };
        assert.equal(encodeInput(input), JSON.stringify(input));
        assert.equal(encodeInput(v), JSON.stringify(v));
      }),
    );
  });

  it('leaves out undefined members and honours toJSON, as JSON.stringify does', () => {
    const input = { a: undefined, b: () => 1, c: new Date(0), d: Object.freeze({ toJSON: () => 'x' }), e: 1 };
    assert.equal(encodeInput(input), JSON.stringify(input));
    const whole = { toJSON: () => ({ z: 1 }) };
    assert.equal(encodeInput(whole), JSON.stringify(whole));
  });

  it('serialises a frozen member once, and an unfrozen one every time', () => {
    let reads = 0;
    const frozen = Object.freeze({ get roles() { reads++; return ['a']; } });
    encodeInput({ subject: frozen, request: { path: '/1' } });
    assert.equal(encodeInput({ subject: frozen, request: { path: '/2' } }), '{"subject":{"roles":["a"]},"request":{"path":"/2"}}');
    assert.equal(reads, 1);
    const open = { roles: ['a'] };
    encodeInput({ subject: open });
    open.roles.push('b');
    assert.equal(encodeInput({ subject: open }), '{"subject":{"roles":["a","b"]}}');
  });
});
