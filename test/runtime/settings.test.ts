import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../../src/runtime/settings.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

/**
 * The rules across keys, each applied by the component that owns the section
 * (token-settings.ts, policy-settings.ts, http-settings.ts, claims-settings.ts,
 * decision-log-settings.ts) when settle() checks a loaded configuration.
 */
const ISSUER = 'https://idp.example.com/realms/demo';
const SECRET = 'x'.repeat(32);
const loadConfig = loadSettings;

function throwsConfigError(fn: () => unknown, key: string, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SidecarError, `expected SidecarError, got ${String(err)}`);
    assert.equal(err.code, 'config_error');
    assert.ok(err.message.includes(key), `message does not name '${key}': ${err.message}`);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

describe('token: algorithms and HMAC', () => {
  test('HS256 without a secret is refused, naming token.algorithms and the secret', () => {
    throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, 'token.algorithms': ['HS256'] } }), "'token.algorithms'", /token\.hmacSecret/);
  });

  test('a secret without an HS algorithm is refused, naming token.hmacSecret', () => {
    throwsConfigError(() => loadConfig({ env: { AUTHZ_ISSUER: ISSUER, AUTHZ_HMAC_SECRET: SECRET } }), "'token.hmacSecret'", /no HS/);
  });

  test('a secret shorter than 32 bytes is refused', () => {
    throwsConfigError(
      () => loadConfig({ env: { AUTHZ_HMAC_SECRET: 'short' }, base: { issuer: ISSUER, 'token.algorithms': ['HS256'] } }),
      "'token.hmacSecret'",
      /32 bytes/,
    );
  });

  test('HS256 with a secret of 32 bytes is accepted', () => {
    const { config } = loadConfig({ env: { AUTHZ_HMAC_SECRET: SECRET }, base: { issuer: ISSUER, 'token.algorithms': ['HS256', 'RS256'] } });
    assert.deepEqual(config.token.algorithms, ['HS256', 'RS256']);
    assert.equal(config.token.hmacSecret, SECRET);
  });
});

describe('cross-key checks name the key to fix', () => {
  test('discovery.retryMaxMs below discovery.retryInitialMs', () => {
    throwsConfigError(
      () => loadConfig({ env: {}, base: { issuer: ISSUER, 'discovery.retryInitialMs': 500, 'discovery.retryMaxMs': 100 } }),
      "'discovery.retryMaxMs'",
    );
  });

  test('policy.memoryMaxPages below policy.memoryInitialPages', () => {
    throwsConfigError(
      () => loadConfig({ env: {}, base: { issuer: ISSUER, 'policy.memoryInitialPages': 64, 'policy.memoryMaxPages': 32 } }),
      "'policy.memoryMaxPages'",
    );
  });

  test('http.forwardAuthPath without a leading slash', () => {
    throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, 'http.forwardAuthPath': 'forward-auth' } }), "'http.forwardAuthPath'");
  });
});

describe('derived values are computed once, at config time', () => {
  test('role claims are parsed, masks compiled and the bundle named', () => {
    const s = loadSettings({ env: {}, base: { issuer: ISSUER, 'claims.roleClaims': ['realm_access.roles', 'groups|group:'], 'decisionLog.mask': ['/input/a~1b'], 'policy.bundle': 'x/orders.tar.gz' } });
    assert.deepEqual(s.claims.roleClaims.map((r) => [r.path, r.segments, r.prefix]), [['realm_access.roles', ['realm_access', 'roles'], ''], ['groups', ['groups'], 'group:']]);
    assert.deepEqual(s.decisionLog.masking.ops.map((o) => [o.kind, o.parts]), [['remove', ['input', 'request', 'query', 'access_token']], ['upsert', ['input', 'a/b']]]);
    assert.equal(s.policy.bundleName, 'orders');
  });

  test('a forward-auth or logout path cannot shadow a fixed route', () => {
    throwsConfigError(() => loadSettings({ env: {}, base: { issuer: ISSUER, 'http.forwardAuthPath': '/ready' } }), "'http.forwardAuthPath'", /already taken/);
    throwsConfigError(() => loadSettings({ env: {}, base: { issuer: ISSUER, 'claims.clientId': 'c', 'claims.backchannelLogout.path': '/v1/logout' } }), "'claims.backchannelLogout.path'", /already taken/);
  });

  test('a removed key says what replaced it', () => {
    throwsConfigError(() => loadSettings({ env: {}, base: { issuer: ISSUER, 'http.fastPath': false } }), "'http.fastPath'", /one handler/);
  });
});
