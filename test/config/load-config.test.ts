import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import { CONFIG_SPEC } from '../../src/config/spec.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'authz-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeConfig(text: string, ext = 'yaml'): string {
  const file = join(dir, `config-${++fileCount}.${ext}`);
  writeFileSync(file, text);
  return file;
}

const ISSUER = 'https://idp.example.com/realms/demo';

function throwsConfigError(fn: () => unknown, key: string, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SidecarError, `expected SidecarError, got ${String(err)}`);
    assert.equal(err.code, 'config_error');
    assert.ok(err.message.includes(key), `message does not name '${key}': ${err.message}`);
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

function assertDeepFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [k, v] of Object.entries(value)) assertDeepFrozen(v, `${path}.${k}`);
}

describe('defaults', () => {
  test('only the issuer is needed; every other key takes its documented default', () => {
    const config = loadConfig({ env: { AUTHZ_ISSUER: ISSUER } });
    assert.equal(config.issuer, ISSUER);
    assert.deepEqual(config.listen, { kind: 'tcp', host: '127.0.0.1', port: 8181 });
    assert.equal(config.audience, undefined);
    assert.deepEqual(config.token.algorithms, ['RS256', 'PS256', 'ES256', 'EdDSA']);
    assert.equal(config.token.hmacSecret, undefined);
    assert.equal(config.token.clockToleranceSeconds, 30);
    assert.equal(config.token.maxBytes, 8192);
    assert.equal(config.token.typ, undefined);
    assert.deepEqual(config.jwks, { timeoutMs: 5000, cooldownMs: 30000, cacheMaxAgeMs: 600000 });
    assert.deepEqual(config.discovery, { timeoutMs: 5000, retryInitialMs: 250, retryMaxMs: 30000 });
    assert.equal(config.claims.enrich, 'when-missing');
    assert.deepEqual(config.claims.roleClaims, ['roles']);
    assert.equal(config.claims.cacheTtlSeconds, 300);
    assert.equal(config.claims.cacheMaxEntries, 100000);
    assert.deepEqual(config.claims.userinfo, {
      connectTimeoutMs: 1000,
      headersTimeoutMs: 2000,
      bodyTimeoutMs: 2000,
      maxResponseBytes: 4194304,
      connections: 16,
    });
    // Field by field: sections gain keys as features land; each key's default is pinned here.
    const pick = (o: object, keys: string[]) => Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));
    assert.deepEqual(pick(config.policy, ['bundle', 'entrypoint', 'watch', 'memoryInitialPages', 'memoryMaxPages']), {
      bundle: 'bundles/authz.tar.gz',
      entrypoint: 'authz/decision',
      watch: true,
      memoryInitialPages: 32,
      memoryMaxPages: 2048,
    });
    assert.deepEqual(pick(config.decisionLog, ['target', 'bufferEvents']), { target: 'stdout', bufferEvents: 100000 });
    assert.deepEqual(
      pick(config.http, ['maxBodyBytes', 'maxHeaderBytes', 'requestTimeoutMs', 'headersTimeoutMs', 'keepAliveTimeoutMs', 'forwardAuthPath']),
      {
        maxBodyBytes: 65536,
        maxHeaderBytes: 16384,
        requestTimeoutMs: 10000,
        headersTimeoutMs: 5000,
        keepAliveTimeoutMs: 5000,
        forwardAuthPath: '/forward-auth',
      },
    );
  });

  test('a missing issuer is refused, naming the key and its environment variable', () => {
    throwsConfigError(() => loadConfig({ env: {} }), "'issuer'", /AUTHZ_ISSUER/);
  });

  test('the environment is read only from the env option, never from process.env', () => {
    const saved = process.env['AUTHZ_ISSUER'];
    process.env['AUTHZ_ISSUER'] = 'https://from-process-env.example.com';
    try {
      throwsConfigError(() => loadConfig({ env: {} }), "'issuer'");
    } finally {
      if (saved === undefined) delete process.env['AUTHZ_ISSUER'];
      else process.env['AUTHZ_ISSUER'] = saved;
    }
  });
});

describe('config file', () => {
  test('reads nested YAML', () => {
    const file = writeConfig(`
issuer: ${ISSUER}
audience: [orders-api, billing-api]
listen: "[::1]:9191"
token:
  clockToleranceSeconds: 5
  typ: at+jwt
claims:
  enrich: always
  roleClaims: [roles, realm_access.roles]
  userinfo:
    headersTimeoutMs: 300
policy:
  watch: false
`);
    const config = loadConfig({ file, env: {} });
    assert.equal(config.issuer, ISSUER);
    assert.deepEqual(config.audience, ['orders-api', 'billing-api']);
    assert.deepEqual(config.listen, { kind: 'tcp', host: '::1', port: 9191 });
    assert.equal(config.token.clockToleranceSeconds, 5);
    assert.equal(config.token.typ, 'at+jwt');
    assert.equal(config.claims.enrich, 'always');
    assert.deepEqual(config.claims.roleClaims, ['roles', 'realm_access.roles']);
    assert.equal(config.claims.userinfo.headersTimeoutMs, 300);
    assert.equal(config.claims.userinfo.bodyTimeoutMs, 2000, 'siblings keep their defaults');
    assert.equal(config.policy.watch, false);
  });

  test('reads JSON', () => {
    const file = writeConfig(
      JSON.stringify({ issuer: ISSUER, listen: '/tmp/authz.sock', jwks: { cooldownMs: 1000 }, decisionLog: { target: '/var/log/d.log' } }),
      'json',
    );
    const config = loadConfig({ file, env: {} });
    assert.deepEqual(config.listen, { kind: 'unix', path: '/tmp/authz.sock' });
    assert.equal(config.jwks.cooldownMs, 1000);
    assert.equal(config.decisionLog.target, '/var/log/d.log');
  });

  test('the file path may come from AUTHZ_CONFIG in the given env', () => {
    const file = writeConfig(`issuer: ${ISSUER}\ntoken: { maxBytes: 4096 }\n`);
    assert.equal(loadConfig({ env: { AUTHZ_CONFIG: file } }).token.maxBytes, 4096);
  });

  test('an empty file means all defaults', () => {
    const file = writeConfig('');
    assert.equal(loadConfig({ file, env: { AUTHZ_ISSUER: ISSUER } }).token.maxBytes, 8192);
  });

  test('a null value falls back to the default', () => {
    const file = writeConfig(`issuer: ${ISSUER}\ntoken:\n  maxBytes: null\n`);
    assert.equal(loadConfig({ file, env: {} }).token.maxBytes, 8192);
  });

  test('an unreadable file is a config_error naming the file', () => {
    const missing = join(dir, 'does-not-exist.yaml');
    assert.throws(() => loadConfig({ file: missing, env: {} }), (err: unknown) => {
      assert.ok(err instanceof SidecarError);
      assert.equal(err.code, 'config_error');
      assert.ok(err.message.includes(missing));
      return true;
    });
  });

  test('invalid YAML is a config_error naming the file', () => {
    const file = writeConfig('issuer: [unclosed\n');
    assert.throws(() => loadConfig({ file, env: {} }), (err: unknown) => {
      assert.ok(err instanceof SidecarError);
      assert.equal(err.code, 'config_error');
      assert.ok(err.message.includes(file));
      return true;
    });
  });

  test('duplicate keys in a file are refused (the last one would silently win)', () => {
    const file = writeConfig(`{"issuer": "${ISSUER}", "issuer": "https://evil.example.com"}`, 'json');
    assert.throws(() => loadConfig({ file, env: {} }), (err: unknown) => err instanceof SidecarError && err.code === 'config_error');
  });

  test('a file whose root is not an object is refused', () => {
    const file = writeConfig('- a\n- b\n');
    throwsConfigError(() => loadConfig({ file, env: { AUTHZ_ISSUER: ISSUER } }), '(root)');
  });

  test('a wrongly typed value in the file names its dotted key', () => {
    const file = writeConfig(`issuer: ${ISSUER}\nclaims:\n  userinfo:\n    connections: many\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'claims.userinfo.connections'", /expected an integer/);
  });

  test('an object where a scalar is expected names the key', () => {
    const file = writeConfig(`issuer: ${ISSUER}\nlisten:\n  host: 127.0.0.1\n  port: 8181\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'listen'");
  });
});

describe('unknown keys', () => {
  test('an unknown top-level key is refused by name', () => {
    const file = writeConfig(`issuer: ${ISSUER}\nissuers: []\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'issuers'", /unknown key/);
  });

  test('an unknown nested key is refused by its dotted name', () => {
    const file = writeConfig(`issuer: ${ISSUER}\ntoken:\n  clockTolerance: 5\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'token.clockTolerance'", /unknown key/);
  });

  test('an unknown key deep under a known section is refused', () => {
    const file = writeConfig(`issuer: ${ISSUER}\nclaims:\n  userinfo:\n    retries: 3\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'claims.userinfo.retries'", /unknown key/);
  });

  test('a section given as a scalar is refused as an unknown key', () => {
    const file = writeConfig(`issuer: ${ISSUER}\ntoken: 5\n`);
    throwsConfigError(() => loadConfig({ file, env: {} }), "'token'", /unknown key/);
  });

  test('an unknown key in base values is refused', () => {
    throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, colour: 'blue' } }), "'colour'", /unknown key/);
  });
});

describe('environment overrides', () => {
  const file = writeConfig(`
issuer: https://file.example.com
audience: [from-file]
listen: 127.0.0.1:7000
policy:
  bundle: file.tar.gz
decisionLog:
  target: stdout
`);

  test('AUTHZ_ISSUER, AUTHZ_AUDIENCE, AUTHZ_BUNDLE, AUTHZ_LISTEN and AUTHZ_DECISION_LOG override the file', () => {
    const config = loadConfig({
      file,
      env: {
        AUTHZ_ISSUER: ISSUER,
        AUTHZ_AUDIENCE: 'api-a, api-b',
        AUTHZ_BUNDLE: '/srv/bundle.tar.gz',
        AUTHZ_LISTEN: '[::1]:9000',
        AUTHZ_DECISION_LOG: '/var/log/decisions.jsonl',
      },
    });
    assert.equal(config.issuer, ISSUER);
    assert.deepEqual(config.audience, ['api-a', 'api-b']);
    assert.equal(config.policy.bundle, '/srv/bundle.tar.gz');
    assert.deepEqual(config.listen, { kind: 'tcp', host: '::1', port: 9000 });
    assert.equal(config.decisionLog.target, '/var/log/decisions.jsonl');
  });

  test('the file applies when the environment is silent', () => {
    const config = loadConfig({ file, env: {} });
    assert.equal(config.issuer, 'https://file.example.com');
    assert.deepEqual(config.audience, ['from-file']);
    assert.deepEqual(config.listen, { kind: 'tcp', host: '127.0.0.1', port: 7000 });
    assert.equal(config.policy.bundle, 'file.tar.gz');
  });

  test('an empty environment variable does not override', () => {
    const config = loadConfig({ file, env: { AUTHZ_ISSUER: '', AUTHZ_AUDIENCE: '' } });
    assert.equal(config.issuer, 'https://file.example.com');
    assert.deepEqual(config.audience, ['from-file']);
  });

  test('the environment overrides base values as well', () => {
    const config = loadConfig({ env: { AUTHZ_ISSUER: ISSUER }, base: { issuer: 'https://base.example.com' } });
    assert.equal(config.issuer, ISSUER);
  });

  test('the file overrides base values', () => {
    const config = loadConfig({ file, env: {}, base: { issuer: 'https://base.example.com', 'token.maxBytes': 1024 } });
    assert.equal(config.issuer, 'https://file.example.com');
    assert.equal(config.token.maxBytes, 1024);
  });

  test('an invalid environment value names both the key and the variable', () => {
    throwsConfigError(() => loadConfig({ env: { AUTHZ_ISSUER: ISSUER, AUTHZ_LISTEN: 'nowhere' } }), "'listen (from AUTHZ_LISTEN)'");
    throwsConfigError(() => loadConfig({ env: { AUTHZ_ISSUER: 'http://idp.example.com' } }), "'issuer (from AUTHZ_ISSUER)'", /https/);
  });
});

describe('issuer scheme', () => {
  for (const issuer of ['http://127.0.0.1:8080', 'http://127.0.0.2/realms/x', 'http://[::1]:8080', 'http://localhost:8080']) {
    test(`plain http is allowed on loopback: ${issuer}`, () => {
      assert.equal(loadConfig({ env: { AUTHZ_ISSUER: issuer } }).issuer, issuer);
    });
  }
  for (const issuer of ['http://idp.example.com', 'http://192.168.1.10:8080', 'http://[2001:db8::1]:8080']) {
    test(`plain http is refused off loopback: ${issuer}`, () => {
      throwsConfigError(() => loadConfig({ env: {}, base: { issuer } }), "'issuer'", /https/);
    });
  }
});

describe('listen', () => {
  const load = (listen: unknown) => loadConfig({ env: { AUTHZ_ISSUER: ISSUER }, base: { listen } }).listen;

  test('host:port', () => assert.deepEqual(load('0.0.0.0:8080'), { kind: 'tcp', host: '0.0.0.0', port: 8080 }));
  test('[::1]:8181', () => assert.deepEqual(load('[::1]:8181'), { kind: 'tcp', host: '::1', port: 8181 }));
  test('unix socket path', () => assert.deepEqual(load('/run/authz/authz.sock'), { kind: 'unix', path: '/run/authz/authz.sock' }));
  for (const bad of ['8181', '127.0.0.1', '127.0.0.1:70000', '::1:8181', 'sock', 8181]) {
    test(`bad listen value ${JSON.stringify(bad)} names the key`, () => throwsConfigError(() => load(bad), "'listen'"));
  }
});

describe('algorithms and HMAC', () => {
  test('none is refused, naming token.algorithms', () => {
    throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, 'token.algorithms': ['RS256', 'none'] } }), "'token.algorithms'", /'none'/);
  });

  test('None and NONE are refused as well', () => {
    for (const alg of ['None', 'NONE']) {
      throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, 'token.algorithms': [alg] } }), "'token.algorithms'");
    }
  });

  test('an empty algorithm list is refused', () => {
    throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, 'token.algorithms': [] } }), "'token.algorithms'", /empty/);
  });

});

describe('every validation error names the offending key', () => {
  const wrong: Record<string, unknown> = {};
  for (const spec of CONFIG_SPEC) {
    const value = spec.type.kind === 'bool' ? 'yes' : spec.type.kind === 'string' ? 42 : spec.type.kind === 'issuer' ? 'not a url' : { nested: true };
    wrong[spec.key] = value;
  }
  for (const spec of CONFIG_SPEC) {
    test(spec.key, () => {
      throwsConfigError(() => loadConfig({ env: {}, base: { issuer: ISSUER, [spec.key]: wrong[spec.key] } }), `'${spec.key}'`);
    });
  }
});

describe('the returned config', () => {
  test('is deeply frozen, lists included', () => {
    const config = loadConfig({ env: { AUTHZ_ISSUER: ISSUER, AUTHZ_AUDIENCE: 'a,b' } });
    assertDeepFrozen(config);
    assert.throws(() => {
      (config.token.algorithms as string[]).push('HS256');
    }, TypeError);
    assert.throws(() => {
      (config.claims.userinfo as { connections: number }).connections = 1;
    }, TypeError);
    assert.throws(() => {
      (config.listen as { port: number }).port = 1;
    }, TypeError);
  });

  test('does not share arrays with the base values it was given', () => {
    const algorithms = ['RS256'];
    const config = loadConfig({ env: {}, base: { issuer: ISSUER, 'token.algorithms': algorithms } });
    algorithms.push('ES256');
    assert.deepEqual(config.token.algorithms, ['RS256']);
    assert.ok(!Object.isFrozen(algorithms), 'the caller\'s array is not frozen behind its back');
  });
});
