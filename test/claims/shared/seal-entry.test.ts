import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deriveSealKeys, openEntry, sealEntry } from '../../../src/claims/shared/seal-entry.ts';

const keys = deriveSealKeys(randomBytes(32));
const now = 1_800_000_000_000;
const entry = { freshUntil: now + 60_000, staleUntil: now + 120_000, payload: { roles: ['viewer'] } };

describe('sealed shared entries', () => {
  it('open for the same binding and key, with their times and payload', () => {
    const opened = openEntry(keys, 'k|f', sealEntry(keys, 'k|f', entry), now);
    assert.deepEqual(opened, { ok: true, entry });
  });

  it('hold no payload in clear', () => {
    assert.ok(!sealEntry(keys, 'k|f', entry).includes('viewer'));
    assert.ok(!Buffer.from(sealEntry(keys, 'k|f', entry).split('.')[4]!, 'base64url').toString().includes('viewer'));
  });

  it('do not open under another binding (moved to another subject or field)', () => {
    assert.deepEqual(openEntry(keys, 'k|other', sealEntry(keys, 'k|f', entry), now), { ok: false, why: 'forged' });
  });

  it('do not open with another fleet key', () => {
    assert.deepEqual(openEntry(deriveSealKeys(randomBytes(32)), 'k|f', sealEntry(keys, 'k|f', entry), now), { ok: false, why: 'forged' });
  });

  it('do not open when any part is altered (times, iv, ciphertext, tag, mac)', () => {
    const sealed = sealEntry(keys, 'k|f', entry);
    for (let i = 1; i < 7; i++) {
      const parts = sealed.split('.');
      parts[i] = i <= 2 ? String(Number(parts[i]) + 3_600_000) : `${parts[i]!.slice(0, -2)}${parts[i]!.endsWith('AA') ? 'AB' : 'AA'}`;
      assert.deepEqual(openEntry(keys, 'k|f', parts.join('.'), now), { ok: false, why: 'forged' }, `part ${i}`);
    }
  });

  it('are expired (not served) at and past their staleUntil: an old entry cannot be replayed', () => {
    const sealed = sealEntry(keys, 'k|f', entry);
    assert.deepEqual(openEntry(keys, 'k|f', sealed, entry.staleUntil), { ok: false, why: 'expired' });
    assert.equal(openEntry(keys, 'k|f', sealed, entry.staleUntil - 1).ok, true);
  });

  it('refuse garbage', () => {
    for (const raw of ['', 'v1', '{"roles":["admin"]}', 'v2.1.2.a.b.c.d', 'v1.1.2.a.b.c.d.e']) assert.deepEqual(openEntry(keys, 'k|f', raw, now), { ok: false, why: 'forged' }, raw);
  });
});
