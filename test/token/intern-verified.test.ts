import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cacheVerifiedTokens } from '../../src/token/verified-token-cache.ts';
import { createVerifiedInterner } from '../../src/token/intern-verified.ts';
import type { VerifiedToken } from '../../src/token/verify-token.ts';
import { countHeapStrings } from '../helpers/heap-strings.ts';

const exp = Math.floor(Date.now() / 1000) + 3600;
/** Parsed from text as jose parses a token: every verification gets its own copy of every string. */
const parsed = (iss: string, sub: string, extra = ''): VerifiedToken =>
  JSON.parse(`{"payload":{"iss":"${iss}","aud":["orders-api","account"],"azp":"web-${iss.length}","scope":"openid profile","sub":"${sub}","exp":${exp}${extra}},"header":{"alg":"RS256","typ":"JWT","kid":"k-${iss.length}"}}`) as VerifiedToken;

describe('interning what cached verifications share', () => {
  it("two subjects' equal issuer, client and scope are one string in the cache, their own subjects two", async () => {
    const [id, other] = [randomUUID(), randomUUID()];
    const iss = `https://idp-${id}.example.com/realms/acme`;
    const scope = `openid ${other}`;
    const cache = cacheVerifiedTokens(async (t) => parsed(iss, t.slice(0, 5), `,"note":"${scope}","x":"${scope}"`), { ttlSeconds: 60, maxEntries: 10 });
    try {
      const a = await cache('alice.p.s');
      const b = await cache('bobby.p.s');
      assert.equal(a.payload.iss, b.payload.iss);
      assert.equal(await countHeapStrings((s) => s === `https://idp-${id}.example.com/realms/acme`), 1, 'one issuer string for both verifications');
      assert.equal(await countHeapStrings((s) => s === `openid ${other}`), 4, 'claims that are not shared ones keep their own strings (2 tokens × 2 claims)');
      assert.equal(a.header, b.header, 'one header object');
      assert.equal(a.payload.aud, b.payload.aud, 'one audience list');
      assert.notEqual(a.payload.sub, b.payload.sub);
    } finally {
      cache.close();
    }
  });

  it('keeps every value as it was: the verification means the same, and all of it is frozen', async () => {
    const intern = createVerifiedInterner();
    const fresh = parsed('https://idp.example.com', 'alice', ',"realm_access":{"roles":["r"]},"n":-0');
    const before = JSON.stringify(fresh);
    const expected = structuredClone(fresh);
    const out = intern(fresh);
    assert.equal(JSON.stringify(out), before);
    assert.deepEqual(out, expected);
    assert.ok(Object.isFrozen(out.header) && Object.isFrozen(out.payload.aud), 'shared copies are frozen');
    const again = intern(parsed('https://idp.example.com', 'bob'));
    assert.equal(again.header, out.header);
  });

  it('does not share a header holding anything but strings (equal JSON text is not always equal values)', () => {
    const intern = createVerifiedInterner();
    const h = (v: string) => intern(JSON.parse(`{"payload":{"iss":"i","sub":"s","exp":1},"header":{"alg":"RS256","x":${v}}}`) as VerifiedToken).header;
    const [zero, negativeZero] = [h('0'), h('-0')];
    assert.notEqual(zero, negativeZero);
    assert.ok(Object.is((negativeZero as Record<string, unknown>)['x'], -0));
  });
});
