import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonOf, REMEMBERED, stringifyMembers as encodeInput } from '../../src/lib/frozen-json.ts';
import { freezeWithMemo, SerialMemo, SubjectMemo } from '../../src/lib/memo-slot.ts';

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

  it('serialises a cached subject once, and an unfrozen member every time', () => {
    let reads = 0;
    // Frozen as src/claims/enrich-claims.ts freezes the narrowed subject it keeps.
    const frozen = freezeWithMemo({ get roles() { reads++; return ['a']; } }, new SerialMemo());
    encodeInput({ subject: frozen, request: { path: '/1' } });
    assert.equal(encodeInput({ subject: frozen, request: { path: '/2' } }), '{"subject":{"roles":["a"]},"request":{"path":"/2"}}');
    assert.equal(reads, 1);
    const open = { roles: ['a'] };
    encodeInput({ subject: open });
    open.roles.push('b');
    assert.equal(encodeInput({ subject: open }), '{"subject":{"roles":["a","b"]}}');
  });

  it("writes a cached subject's text byte for byte as JSON.stringify does, its memo unseen", () => {
    const subject = freezeWithMemo({ sub: 'b\u00f6b', name: '"the" <builder>\u2028', roles: Object.freeze(['r', 'é']), n: 1.5, none: null }, new SubjectMemo());
    assert.equal(jsonOf(subject), JSON.stringify(subject));
    assert.equal(JSON.stringify(subject), '{"sub":"böb","name":"\\"the\\" <builder>\u2028","roles":["r","é"],"n":1.5,"none":null}');
    assert.deepEqual(Object.keys(subject), ['sub', 'name', 'roles', 'n', 'none']);
    assert.deepEqual({ ...subject }, { sub: 'böb', name: '"the" <builder>\u2028', roles: ['r', 'é'], n: 1.5, none: null });
  });

  it('remembers the text of a bounded number of subjects: the oldest ones are serialised again', () => {
    let reads = 0;
    const first = freezeWithMemo({ get sub() { reads++; return 'first'; } }, new SerialMemo());
    jsonOf(first);
    for (let i = 0; i < REMEMBERED; i++) jsonOf(freezeWithMemo({ i }, new SerialMemo()));
    assert.equal(jsonOf(first), '{"sub":"first"}');
    assert.equal(reads, 2, `forgotten after ${REMEMBERED} others, then serialised again`);
    assert.equal(jsonOf(first), '{"sub":"first"}');
    assert.equal(reads, 2);
  });
});
