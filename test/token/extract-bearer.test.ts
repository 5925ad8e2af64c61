import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractBearer } from '../../src/token/extract-bearer.ts';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';

function throwsCode(header: string | undefined, code: ErrorCode): void {
  assert.throws(
    () => extractBearer(header),
    (err: unknown) => {
      assert.ok(err instanceof SidecarError, `expected SidecarError, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.equal(err.status, 401);
      return true;
    },
  );
}

test('returns the token of "Bearer <token>"', () => {
  assert.equal(extractBearer('Bearer abc.def.ghi'), 'abc.def.ghi');
});

test('the scheme is case-insensitive', () => {
  assert.equal(extractBearer('bearer abc'), 'abc');
  assert.equal(extractBearer('BEARER abc'), 'abc');
  assert.equal(extractBearer('bEaReR abc'), 'abc');
});

test('keeps every b64token character, = padding at the end included (RFC 6750 §2.1)', () => {
  assert.equal(extractBearer('Bearer aZ09-._~+/=='), 'aZ09-._~+/==');
});

test('no header or an empty header is missing_token', () => {
  throwsCode(undefined, 'missing_token');
  throwsCode('', 'missing_token');
});

test('"Bearer " with nothing after it is missing_token', () => {
  throwsCode('Bearer ', 'missing_token');
});

test('"Bearer" without a token is refused', () => {
  assert.throws(() => extractBearer('Bearer'), (err: unknown) => err instanceof SidecarError && err.status === 401);
});

test('other schemes are invalid_token', () => {
  throwsCode('Basic YWxpY2U6c2VjcmV0', 'invalid_token');
  throwsCode('Token abc', 'invalid_token');
  throwsCode('DPoP abc', 'invalid_token');
  throwsCode('Bearerabc', 'invalid_token');
  throwsCode('Bearer-x abc', 'invalid_token');
});

test('leading whitespace before the scheme is refused, not trimmed', () => {
  throwsCode(' Bearer abc', 'invalid_token');
});

test('a tab instead of the space is refused', () => {
  throwsCode('Bearer\tabc', 'invalid_token');
});

test('two spaces before the token are refused, not trimmed into the same identity', () => {
  throwsCode('Bearer  abc', 'invalid_token');
});

test('whitespace after or inside the token is refused', () => {
  throwsCode('Bearer abc ', 'invalid_token');
  throwsCode('Bearer abc def', 'invalid_token');
  throwsCode('Bearer abc\t', 'invalid_token');
});

test('characters outside b64token are refused', () => {
  throwsCode('Bearer abc,def', 'invalid_token');
  throwsCode('Bearer "abc"', 'invalid_token');
  throwsCode('Bearer ab=c', 'invalid_token');
});
