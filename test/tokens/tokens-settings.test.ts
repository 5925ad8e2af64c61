import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../src/runtime/settings.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { tempDir } from '../helpers/bundles.ts';

/** The rules across the `tokens.*` keys (src/tokens/tokens-settings.ts), each error naming the key to fix. */
const ISSUER = 'https://idp.example.com/realms/demo';
const load = (base: Record<string, unknown>, env: Record<string, string> = {}) => loadSettings({ env, base: { issuer: ISSUER, ...base } });
const refuses = (fn: () => unknown, key: string, detail: RegExp): void => {
  assert.throws(fn, (err: unknown) => err instanceof SidecarError && err.code === 'config_error' && err.message.includes(`'${key}'`) && detail.test(err.message));
};
const pem = (type: 'rsa' | 'ec'): string => {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(tempDir(), `${type}.pem`);
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return file;
};

describe('tokens settings', () => {
  test('off by default: no token service, and stray secrets without a client are refused', () => {
    assert.equal(load({}).tokens, undefined);
    refuses(() => load({}, { AUTHZ_TOKENS_CLIENT_SECRET: 's' }), 'tokens.clientSecret', /tokens\.clientId/);
  });

  test('client_secret_basic (the default) and _post need the secret; the secret comes from the environment', () => {
    refuses(() => load({ 'tokens.clientId': 'svc' }), 'tokens.clientSecret', /AUTHZ_TOKENS_CLIENT_SECRET/);
    const s = load({ 'tokens.clientId': 'svc' }, { AUTHZ_TOKENS_CLIENT_SECRET: 'pw' }).tokens!;
    assert.deepEqual(s.credentials, { method: 'client_secret_basic', clientId: 'svc', clientSecret: 'pw' });
    assert.equal(s.refreshMarginMs, 60_000);
    assert.equal(s.callerDigest, undefined);
  });

  test('private_key_jwt reads a PEM key that must fit the algorithm, and takes no secret', () => {
    const rsa = pem('rsa');
    const s = load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt', 'tokens.privateKeyFile': rsa }).tokens!;
    assert.equal(s.credentials.method, 'private_key_jwt');
    refuses(() => load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt' }), 'tokens.privateKeyFile', /required/);
    refuses(() => load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt', 'tokens.privateKeyFile': rsa, 'tokens.privateKeyAlgorithm': 'ES256' }), 'tokens.privateKeyAlgorithm', /does not fit/);
    refuses(() => load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt', 'tokens.privateKeyFile': join(tempDir(), 'missing.pem') }), 'tokens.privateKeyFile', /cannot be read/);
    refuses(() => load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt', 'tokens.privateKeyFile': rsa, 'tokens.clientSecret': 'pw' }), 'tokens.clientSecret', /private_key_jwt/);
    assert.equal(load({ 'tokens.clientId': 'svc', 'tokens.authMethod': 'private_key_jwt', 'tokens.privateKeyFile': pem('ec'), 'tokens.privateKeyAlgorithm': 'ES256' }).tokens!.credentials.method, 'private_key_jwt');
  });

  test('a caller secret must be at least 32 bytes', () => {
    refuses(() => load({ 'tokens.clientId': 'svc', 'tokens.clientSecret': 'pw', 'tokens.callerSecret': 'short' }), 'tokens.callerSecret', /32 bytes/);
    assert.ok(load({ 'tokens.clientId': 'svc', 'tokens.clientSecret': 'pw', 'tokens.callerSecret': 'x'.repeat(32) }).tokens!.callerDigest instanceof Buffer);
  });
});
