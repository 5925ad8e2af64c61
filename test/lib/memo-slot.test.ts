import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freezeWithMemo, frozenVerification, memoOf, SerialMemo, serialMemoOf, SubjectMemo, subjectMemoOf } from '../../src/lib/memo-slot.ts';

describe('memo slot (derived data kept with a frozen object, no WeakMap)', () => {
  it('is unseen by JSON, keys, entries, spreads, for-in and deep equality', () => {
    const memo = new SubjectMemo();
    const subject = freezeWithMemo({ sub: 'alice', roles: Object.freeze(['r']) }, memo);
    assert.equal(memoOf(subject), memo);
    assert.equal(JSON.stringify(subject), '{"sub":"alice","roles":["r"]}');
    assert.deepEqual(Object.keys(subject), ['sub', 'roles']);
    assert.deepEqual(Object.entries(subject), [['sub', 'alice'], ['roles', ['r']]]);
    const seen: string[] = [];
    for (const k in subject) seen.push(k);
    assert.deepEqual(seen, ['sub', 'roles']);
    assert.equal(memoOf({ ...subject }), undefined, 'a copy does not carry it');
    assert.deepStrictEqual(subject, { sub: 'alice', roles: ['r'] });
    assert.ok(Object.isFrozen(subject));
  });

  it('stays writable while its object is frozen, and belongs to that object only', () => {
    const subject = freezeWithMemo({ sub: 'alice' }, new SubjectMemo());
    subjectMemoOf(subject)!.clean = true;
    assert.equal(serialMemoOf(subject)!.clean, true);
    assert.throws(() => ((subject as { sub: string }).sub = 'mallory'), TypeError);
    const narrowed = freezeWithMemo({ sub: 'alice' }, new SerialMemo());
    assert.equal(subjectMemoOf(narrowed), undefined, 'a narrowed subject has a SerialMemo, not a SubjectMemo');
    assert.equal(serialMemoOf(narrowed)!.clean, false);
  });

  it('gives no memo to an object frozen already, or never frozen with one', () => {
    const frozen = Object.freeze({ sub: 'alice' });
    assert.equal(freezeWithMemo(frozen, new SubjectMemo()), frozen);
    assert.equal(memoOf(frozen), undefined);
    assert.equal(serialMemoOf({ sub: 'alice' }), undefined);
  });

  it('a verification built with its memo is a frozen { payload, header } to everything else', () => {
    const memo = { key: 'k' };
    const v = frozenVerification({ sub: 'alice' }, { alg: 'RS256' }, memo);
    assert.equal(memoOf(v), memo);
    assert.deepStrictEqual(v, { payload: { sub: 'alice' }, header: { alg: 'RS256' } });
    assert.equal(JSON.stringify(v), '{"payload":{"sub":"alice"},"header":{"alg":"RS256"}}');
    assert.deepEqual(Object.keys({ ...v }), ['payload', 'header']);
    assert.ok(Object.isFrozen(v));
    assert.deepEqual(Object.getOwnPropertyDescriptor(v, Object.getOwnPropertySymbols(v)[0]!), { value: memo, writable: false, enumerable: false, configurable: false });
  });
});
