import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenKey } from '../../src/lib/token-key.ts';

it("is the SHA-256 of the whole token, base64url, never the token itself", () => {
  // FIPS 180-2's "abc" vector (ba7816bf…15ad), in base64url.
  assert.equal(tokenKey('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
  assert.equal(tokenKey(token).length, 43);
  assert.ok(!tokenKey(token).includes(token.split('.')[1]!));
  assert.notEqual(tokenKey(`${token}x`), tokenKey(token), 'a changed signature is another key');
});
