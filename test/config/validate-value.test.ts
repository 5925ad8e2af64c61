import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configError, isLoopbackHost, validateValue } from '../../src/config/validate-value.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import type { KeyType } from '../../src/config/declare.ts';

/** Asserts a config_error whose message names `key`. */
function throwsConfigError(fn: () => unknown, key: string, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SidecarError, `expected SidecarError, got ${String(err)}`);
    assert.equal(err.code, 'config_error');
    assert.ok(err.message.includes(`'${key}'`), `message does not name '${key}': ${err.message}`);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

const listen: KeyType = { kind: 'listen' };
const issuer: KeyType = { kind: 'issuer' };

describe('configError', () => {
  test('names the key and is an exposed config_error', () => {
    const err = configError('token.maxBytes', 'too big');
    assert.equal(err.code, 'config_error');
    assert.equal(err.expose, true);
    assert.equal(err.message, "config key 'token.maxBytes': too big");
  });
});

describe('isLoopbackHost', () => {
  for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '127.255.255.254', '::1', '[::1]']) {
    test(`treats ${host} as loopback`, () => assert.equal(isLoopbackHost(host), true));
  }
  for (const host of ['example.com', '10.0.0.1', '0.0.0.0', '128.0.0.1', '::', '::2', 'localhost.example.com', '127.0.0.1.nip.io', '[::ffff:7f00:1]', '']) {
    test(`does not treat '${host}' as loopback`, () => assert.equal(isLoopbackHost(host), false));
  }
});

describe('validateValue: scalars', () => {
  test('string: accepts a string and refuses other types, naming the key', () => {
    assert.equal(validateValue('k', { kind: 'string' }, 'v', false), 'v');
    throwsConfigError(() => validateValue('policy.bundle', { kind: 'string' }, 5, false), 'policy.bundle', /expected a string, got number 5/);
  });

  test('string nonEmpty: refuses blank strings', () => {
    throwsConfigError(() => validateValue('token.typ', { kind: 'string', nonEmpty: true }, '  ', false), 'token.typ', /must not be empty/);
  });

  test('int: parses environment strings but not file strings', () => {
    const type: KeyType = { kind: 'int', min: 0, max: 100 };
    assert.equal(validateValue('k', type, '42', true), 42);
    assert.equal(validateValue('k', type, 42, false), 42);
    throwsConfigError(() => validateValue('jwks.timeoutMs', type, '42', false), 'jwks.timeoutMs', /expected an integer/);
  });

  test('int: refuses fractions, hex, exponent and junk from the environment', () => {
    const type: KeyType = { kind: 'int', min: 0, max: 100000 };
    for (const raw of ['1.5', '0x10', '1e3', '12abc', 'abc']) {
      throwsConfigError(() => validateValue('jwks.timeoutMs', type, raw, true), 'jwks.timeoutMs');
    }
    throwsConfigError(() => validateValue('jwks.timeoutMs', type, 1.5, false), 'jwks.timeoutMs');
  });

  test('int: enforces the range and reports the bounds', () => {
    const type: KeyType = { kind: 'int', min: 10, max: 20 };
    throwsConfigError(() => validateValue('claims.cacheTtlSeconds', type, 9, false), 'claims.cacheTtlSeconds', /between 10 and 20, got 9/);
    throwsConfigError(() => validateValue('claims.cacheTtlSeconds', type, '21', true), 'claims.cacheTtlSeconds', /got 21/);
    assert.equal(validateValue('k', type, 10, false), 10);
    assert.equal(validateValue('k', type, 20, false), 20);
  });

  test('bool: accepts true/false strings only from the environment', () => {
    assert.equal(validateValue('k', { kind: 'bool' }, 'false', true), false);
    assert.equal(validateValue('k', { kind: 'bool' }, 'true', true), true);
    assert.equal(validateValue('k', { kind: 'bool' }, true, false), true);
    throwsConfigError(() => validateValue('policy.watch', { kind: 'bool' }, 'true', false), 'policy.watch');
    throwsConfigError(() => validateValue('policy.watch', { kind: 'bool' }, 'yes', true), 'policy.watch');
    throwsConfigError(() => validateValue('policy.watch', { kind: 'bool' }, 1, false), 'policy.watch');
  });

  test('enum: accepts only listed values and lists them in the error', () => {
    const type: KeyType = { kind: 'enum', values: ['a', 'b'] };
    assert.equal(validateValue('k', type, 'b', false), 'b');
    throwsConfigError(() => validateValue('claims.enrich', type, 'c', false), 'claims.enrich', /one of a, b, got 'c'/);
  });
});

describe('validateValue: string lists', () => {
  const list: KeyType = { kind: 'string[]' };

  test('splits environment values on commas, trims and drops empty items', () => {
    assert.deepEqual(validateValue('audience', list, ' api-a, api-b ,,api-c', true), ['api-a', 'api-b', 'api-c']);
  });

  test('removes duplicates and returns a frozen list', () => {
    const out = validateValue('audience', list, ['a', 'b', 'a'], false) as string[];
    assert.deepEqual(out, ['a', 'b']);
    assert.ok(Object.isFrozen(out));
  });

  test('refuses a scalar, an empty string item and non-string items', () => {
    throwsConfigError(() => validateValue('audience', list, 'api', false), 'audience', /list of non-empty strings/);
    throwsConfigError(() => validateValue('audience', list, ['a', ''], false), 'audience');
    throwsConfigError(() => validateValue('audience', list, ['a', 1], false), 'audience');
  });

  test('nonEmpty refuses an empty list, also from a comma-only environment value', () => {
    const type: KeyType = { kind: 'string[]', nonEmpty: true };
    throwsConfigError(() => validateValue('claims.roleClaims', type, [], false), 'claims.roleClaims', /must not be empty/);
    throwsConfigError(() => validateValue('claims.roleClaims', type, ' , ', true), 'claims.roleClaims', /must not be empty/);
  });

  test('refuses values outside the allowed set, naming the value', () => {
    const type: KeyType = { kind: 'string[]', values: ['RS256', 'ES256'] };
    throwsConfigError(() => validateValue('token.algorithms', type, ['RS256', 'none'], false), 'token.algorithms', /'none' is not supported/);
  });
});

describe('validateValue: listen', () => {
  test('parses host:port', () => {
    assert.deepEqual(validateValue('listen', listen, '127.0.0.1:8181', false), { kind: 'tcp', host: '127.0.0.1', port: 8181 });
    assert.deepEqual(validateValue('listen', listen, 'localhost:80', false), { kind: 'tcp', host: 'localhost', port: 80 });
  });

  test('parses a bracketed IPv6 address and strips the brackets', () => {
    assert.deepEqual(validateValue('listen', listen, '[::1]:8181', false), { kind: 'tcp', host: '::1', port: 8181 });
  });

  test('accepts port 0 (ephemeral, used by tests)', () => {
    assert.deepEqual(validateValue('listen', listen, '127.0.0.1:0', false), { kind: 'tcp', host: '127.0.0.1', port: 0 });
  });

  test('parses absolute and ./-relative unix socket paths', () => {
    assert.deepEqual(validateValue('listen', listen, '/run/authz.sock', false), { kind: 'unix', path: '/run/authz.sock' });
    assert.deepEqual(validateValue('listen', listen, './authz.sock', false), { kind: 'unix', path: './authz.sock' });
  });

  const bad = [
    '127.0.0.1', // no port
    ':8181', // no host
    '127.0.0.1:', // empty port
    '::1:8181', // unbracketed IPv6
    '[::1]', // bracketed, no port
    '127.0.0.1:65536', // out of range
    '127.0.0.1:123456', // too many digits
    '127.0.0.1:-1',
    '127.0.0.1:80a',
    'http://127.0.0.1:8181',
    'authz.sock', // relative path without ./
    '[fffff]:8181', // bracketed but not an IPv6 address
    '[1.2.3.4]:8181', // IPv4 in brackets
    ' 127.0.0.1:8181', // whitespace would become part of the host
    '127.0.0.1:8181 ',
    'my host:8181',
    '',
  ];
  for (const raw of bad) {
    test(`refuses listen '${raw}' naming the key`, () => throwsConfigError(() => validateValue('listen', listen, raw, false), 'listen'));
  }

  test('refuses a non-string listen value', () => {
    throwsConfigError(() => validateValue('listen', listen, 8181, false), 'listen', /got number 8181/);
  });
});

describe('validateValue: issuer', () => {
  test('accepts https issuers verbatim, trailing slash included', () => {
    assert.equal(validateValue('issuer', issuer, 'https://idp.example.com/realms/a', false), 'https://idp.example.com/realms/a');
    assert.equal(validateValue('issuer', issuer, 'https://idp.example.com/', false), 'https://idp.example.com/');
  });

  for (const raw of ['http://127.0.0.1:8080', 'http://127.9.9.9/realm', 'http://localhost:8080/realms/x', 'http://[::1]:9000']) {
    test(`allows plain http on loopback: ${raw}`, () => assert.equal(validateValue('issuer', issuer, raw, false), raw));
  }

  for (const raw of ['http://idp.example.com', 'http://10.0.0.5:8080', 'http://0.0.0.0:8080', 'http://localhost.example.com', 'http://[::2]:80']) {
    test(`refuses plain http off loopback: ${raw}`, () => throwsConfigError(() => validateValue('issuer', issuer, raw, false), 'issuer', /https/));
  }

  test('refuses non-http schemes', () => {
    throwsConfigError(() => validateValue('issuer', issuer, 'ftp://idp.example.com', false), 'issuer', /https/);
  });

  test('refuses something that is not a URL', () => {
    throwsConfigError(() => validateValue('issuer', issuer, 'idp.example.com', false), 'issuer', /not a URL/);
    throwsConfigError(() => validateValue('issuer', issuer, 42, false), 'issuer');
  });

  test('refuses a query or a fragment', () => {
    throwsConfigError(() => validateValue('issuer', issuer, 'https://idp.example.com/?a=1', false), 'issuer', /query or fragment/);
    throwsConfigError(() => validateValue('issuer', issuer, 'https://idp.example.com/#x', false), 'issuer', /query or fragment/);
  });
});
