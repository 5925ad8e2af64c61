import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../../src/runtime/settings.ts';

const load = (base: Record<string, unknown>, env: Record<string, string> = {}) => loadSettings({ env, base: { issuer: 'https://idp.example.com', ...base } }).config;
const fails = (base: Record<string, unknown>, message: RegExp, env: Record<string, string> = {}) =>
  assert.throws(() => load(base, env), (e: Error & { code?: string }) => e.code === 'config_error' && message.test(e.message));

describe('claims configuration', () => {
  it('has safe defaults: userinfo only, 60 s stale window, breaker on, admin and logout endpoints off', () => {
    const c = load({}).claims;
    assert.deepEqual(c.sources, ['userinfo']);
    assert.equal(c.staleIfErrorSeconds, 60);
    assert.equal(c.negativeTtlSeconds, 10);
    assert.equal(c.merge, 'token-wins');
    assert.equal(c.roleMerge, 'union');
    assert.deepEqual(c.breaker, { failureThreshold: 5, coolOffMs: 5000 });
    assert.equal(c.admin.token, undefined);
    assert.equal(c.backchannelLogout.path, undefined);
    assert.equal(c.introspection.verifyTokens, false);
  });

  it('needs client credentials for introspection, from the file or AUTHZ_CLIENT_ID / AUTHZ_CLIENT_SECRET', () => {
    fails({ 'claims.sources': ['introspection'] }, /'claims\.clientId'.*required for introspection/);
    fails({ 'claims.introspection.verifyTokens': true, 'claims.clientId': 'c' }, /'claims\.clientSecret'/);
    const c = load({ 'claims.sources': ['userinfo', 'introspection'] }, { AUTHZ_CLIENT_ID: 'sidecar', AUTHZ_CLIENT_SECRET: 's3cret' }).claims;
    assert.equal(c.clientId, 'sidecar');
    assert.equal(c.clientSecret, 's3cret');
  });

  it('refuses an unknown source and a malformed role claim, naming the key', () => {
    fails({ 'claims.sources': ['ldap'] }, /'claims\.sources'.*'ldap' is not supported/);
    fails({ 'claims.roleClaims': ['roles', 'a||b'] }, /'claims\.roleClaims'.*'a\|\|b'/);
    assert.deepEqual(load({ 'claims.roleClaims': ['resource_access.orders-api.roles|orders-api:'] }).claims.roleClaims, ['resource_access.orders-api.roles|orders-api:']);
  });

  it('checks the back-channel logout path and the admin token', () => {
    fails({ 'claims.backchannelLogout.path': '/logout' }, /'claims\.clientId'.*logout token's aud/);
    fails({ 'claims.backchannelLogout.path': 'logout', 'claims.clientId': 'c' }, /must start with '\/'/);
    fails({ 'claims.backchannelLogout.path': '/authorize', 'claims.clientId': 'c' }, /already taken/);
    fails({}, /'claims\.admin\.token \(from AUTHZ_ADMIN_TOKEN\)'|'claims\.admin\.token': must be at least 32 bytes/, { AUTHZ_ADMIN_TOKEN: 'short' });
    assert.equal(load({}, { AUTHZ_ADMIN_TOKEN: 'x'.repeat(32) }).claims.admin.token, 'x'.repeat(32));
  });
});
