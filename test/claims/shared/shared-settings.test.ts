import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadSettings } from '../../../src/runtime/settings.ts';

const base = { issuer: 'http://127.0.0.1:1/', 'policy.bundle': 'bundles/authz.tar.gz' };
const key = randomBytes(32).toString('base64');
const load = (over: Record<string, unknown>, env: Record<string, string> = {}) => loadSettings({ env, base: { ...base, ...over } });

describe('claims.shared settings', () => {
  it('are off by default', () => {
    assert.equal(load({}).claims.shared, undefined);
  });

  it('take the url and key from the environment, with the defaults (20 ms read budget)', () => {
    const s = load({}, { AUTHZ_CLAIMS_SHARED_URL: 'rediss://user:pw@redis.example:6380/2', AUTHZ_CLAIMS_SHARED_KEY: key }).claims.shared!;
    assert.equal(s.url, 'rediss://user:pw@redis.example:6380/2');
    assert.equal(s.key.length, 32);
    assert.equal(s.readBudgetMs, 20);
    assert.equal(s.prefix, 'authz:claims:');
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a url without a key', { 'claims.shared.url': 'redis://127.0.0.1:6379' }, /claims\.shared\.key.*required/],
    ['a key without a url', { 'claims.shared.key': key }, /claims\.shared\.key.*url is not/],
    ['another scheme', { 'claims.shared.url': 'http://127.0.0.1:6379', 'claims.shared.key': key }, /redis:\/\/ or rediss:\/\//],
    ['a short key', { 'claims.shared.url': 'redis://127.0.0.1:6379', 'claims.shared.key': randomBytes(16).toString('base64') }, /at least 32 random bytes/],
    ['a key that is not base64', { 'claims.shared.url': 'redis://127.0.0.1:6379', 'claims.shared.key': 'not base64 at all, but long enough to pass a length check' }, /at least 32/],
    ['a key of one repeated byte', { 'claims.shared.url': 'redis://127.0.0.1:6379', 'claims.shared.key': Buffer.alloc(32).toString('base64') }, /not random/],
  ];
  for (const [name, over, why] of refused) {
    it(`refuse ${name}, naming the key`, () => {
      assert.throws(() => load(over), (err: any) => err.code === 'config_error' && why.test(err.message));
    });
  }
});
