import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCompactJws } from '../../src/token/check-compact.ts';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const HEADER = b64({ alg: 'RS256', kid: 'k1' });
const PAYLOAD = b64({ sub: 'alice', exp: 2000000000 });
const SIG = Buffer.alloc(256, 7).toString('base64url');
const TOKEN = `${HEADER}.${PAYLOAD}.${SIG}`;

function refused(token: string, code: ErrorCode = 'invalid_token', maxBytes = 8192, message?: RegExp): void {
  assert.throws(
    () => checkCompactJws(token, maxBytes),
    (err: unknown) => {
      assert.ok(err instanceof SidecarError, `expected SidecarError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.equal(err.status, 401);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

test('a canonical three-segment token passes', () => {
  assert.doesNotThrow(() => checkCompactJws(TOKEN, 8192));
});

test('a token of exactly maxBytes passes; one byte more is token_too_large', () => {
  assert.doesNotThrow(() => checkCompactJws(TOKEN, TOKEN.length));
  refused(TOKEN, 'token_too_large', TOKEN.length - 1);
});

test('an oversized token is refused before it is parsed', () => {
  // Not even a JWS: the size check alone must refuse it.
  refused('a'.repeat(10000), 'token_too_large', 8192);
});

test('two segments are refused', () => refused(`${HEADER}.${PAYLOAD}`, 'invalid_token', 8192, /three/));

test('four segments are refused', () => refused(`${TOKEN}.${SIG}`, 'invalid_token', 8192, /three/));

test('five segments (JWE) are refused as encrypted tokens', () => {
  refused(`${HEADER}.${PAYLOAD}.${PAYLOAD}.${PAYLOAD}.${SIG}`, 'invalid_token', 8192, /JWE/);
});

test('one segment is refused', () => refused(HEADER));

test('an empty signature is refused (alg none tokens end with ".")', () => refused(`${HEADER}.${PAYLOAD}.`));

test('an empty header or payload is refused', () => {
  refused(`.${PAYLOAD}.${SIG}`);
  refused(`${HEADER}..${SIG}`);
});

test('an empty string is refused', () => refused(''));

test('= padding in any segment is refused', () => {
  const pad = (seg: string) => seg + '='.repeat((4 - (seg.length % 4)) % 4);
  assert.notEqual(pad(HEADER), HEADER);
  assert.notEqual(pad(SIG), SIG);
  refused(`${pad(HEADER)}.${PAYLOAD}.${SIG}`);
  refused(`${HEADER}.${PAYLOAD}.${pad(SIG)}`);
  refused(`${HEADER}.${PAYLOAD}.${SIG.slice(0, -2)}==`);
});

test('whitespace inside, before or after a segment is refused (Wycheproof JWS tc 360-375)', () => {
  refused(`${HEADER.slice(0, 4)} ${HEADER.slice(4)}.${PAYLOAD}.${SIG}`);
  refused(`${HEADER}.${PAYLOAD}\n.${SIG}`);
  refused(` ${TOKEN}`);
  refused(`${TOKEN} `);
  refused(`${HEADER}.${PAYLOAD}.${SIG}\t`);
});

test('standard base64 characters + and / are refused', () => {
  refused(`${HEADER}.${PAYLOAD}.${SIG.slice(0, -1)}+`);
  refused(`${HEADER}.${PAYLOAD}.${SIG.slice(0, -1)}/`);
});

test('a segment whose length is 1 mod 4 (impossible base64) is refused', () => {
  refused(`${HEADER}.${PAYLOAD}.AAAAA`);
  refused(`${HEADER}.${PAYLOAD}.A`);
});

test('non-zero trailing bits (a second spelling of the same bytes) are refused', () => {
  // "QQ" is the canonical encoding of 0x41; "QR".."QZ" decode to the same byte with stray bits.
  assert.deepEqual(Buffer.from('QR', 'base64url'), Buffer.from('QQ', 'base64url'));
  assert.doesNotThrow(() => checkCompactJws(`${HEADER}.${PAYLOAD}.QQ`, 8192));
  refused(`${HEADER}.${PAYLOAD}.QR`, 'invalid_token', 8192, /canonical/);
  // The same in the signature of a real-length token: flip the last character's low bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sibling = alphabet[alphabet.indexOf(SIG.at(-1)!) + 1]!;
  assert.deepEqual(Buffer.from(SIG.slice(0, -1) + sibling, 'base64url'), Buffer.from(SIG, 'base64url'));
  refused(`${HEADER}.${PAYLOAD}.${SIG.slice(0, -1)}${sibling}`, 'invalid_token', 8192, /canonical/);
});

test('non-ASCII characters are refused', () => {
  refused(`${HEADER}.${PAYLOAD}.${SIG.slice(0, -1)}é`);
});
