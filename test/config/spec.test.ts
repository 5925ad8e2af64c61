import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, CONFIG_SPEC, HMAC_ALGORITHMS } from '../../src/config/spec.ts';
import { validateValue } from '../../src/config/validate-value.ts';

test('every config key is declared once', () => {
  const keys = CONFIG_SPEC.map((s) => s.key);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
});

test('every environment variable is AUTHZ_-prefixed and maps to one key', () => {
  const envs = CONFIG_SPEC.flatMap((s) => (s.env ? [s.env] : []));
  for (const env of envs) assert.match(env, /^AUTHZ_[A-Z_]+$/);
  assert.deepEqual(envs.filter((e, i) => envs.indexOf(e) !== i), []);
});

test('the documented environment variables exist for issuer, audience, bundle, listen and decision log', () => {
  const envOf = (key: string) => CONFIG_SPEC.find((s) => s.key === key)?.env;
  assert.equal(envOf('issuer'), 'AUTHZ_ISSUER');
  assert.equal(envOf('audience'), 'AUTHZ_AUDIENCE');
  assert.equal(envOf('policy.bundle'), 'AUTHZ_BUNDLE');
  assert.equal(envOf('listen'), 'AUTHZ_LISTEN');
  assert.equal(envOf('decisionLog.target'), 'AUTHZ_DECISION_LOG');
});

test('every key has a description', () => {
  for (const spec of CONFIG_SPEC) assert.ok(spec.description.trim().length > 10, spec.key);
});

test('every default passes its own type check', () => {
  for (const spec of CONFIG_SPEC) {
    if (spec.default === undefined) continue;
    assert.doesNotThrow(() => validateValue(spec.key, spec.type, spec.default, false), spec.key);
  }
});

test('required and secret keys have no default', () => {
  for (const spec of CONFIG_SPEC.filter((s) => s.required || s.secret)) {
    assert.equal(spec.default, undefined, spec.key);
  }
  assert.ok(CONFIG_SPEC.find((s) => s.key === 'issuer')?.required);
  assert.ok(CONFIG_SPEC.find((s) => s.key === 'token.hmacSecret')?.secret);
});

test('the algorithm allow-list never contains none, in any case', () => {
  assert.ok(!ALGORITHMS.some((a) => a.toLowerCase() === 'none'));
});

test('HMAC algorithms are a subset of the supported algorithms and are not enabled by default', () => {
  for (const a of HMAC_ALGORITHMS) assert.ok((ALGORITHMS as readonly string[]).includes(a), a);
  const defaults = CONFIG_SPEC.find((s) => s.key === 'token.algorithms')?.default as string[];
  assert.ok(defaults.length > 0);
  assert.ok(!defaults.some((a) => HMAC_ALGORITHMS.includes(a)));
});

test('listen defaults to loopback', () => {
  const spec = CONFIG_SPEC.find((s) => s.key === 'listen');
  assert.match(String(spec?.default), /^127\.0\.0\.1:\d+$/);
});

test('int keys have min <= max and their defaults lie in range', () => {
  for (const spec of CONFIG_SPEC) {
    if (spec.type.kind !== 'int') continue;
    assert.ok(spec.type.min <= spec.type.max, spec.key);
    if (typeof spec.default === 'number') {
      assert.ok(spec.default >= spec.type.min && spec.default <= spec.type.max, spec.key);
    }
  }
});
