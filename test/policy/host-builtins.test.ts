import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../../src/policy/load-bundle.ts';
import { HOST_BUILTINS, OWN_BUILTINS } from '../../src/policy/builtins/host-builtins.ts';
import { newEvalContext } from '../../src/policy/builtins/eval-context.ts';
import { BuiltinError } from '../../src/policy/builtins/builtin-types.ts';
import { RegoSet } from '../../src/policy/wasm/rego-value.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { buildBundle, FIXTURE_POLICIES, tempDir } from '../helpers/bundles.ts';

const call = (name: string, ...args: unknown[]) => HOST_BUILTINS[name]!(args, newEvalContext());

describe('host builtins', () => {
  it('refuses a bundle whose Wasm imports builtins the sidecar lacks, naming each, when it loads', async () => {
    const archive = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'unsupported-builtin'), join(tempDir(), 'u.tar.gz')));
    await assert.rejects(
      loadBundle(archive, { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64, verifier: undefined }),
      (e: unknown) =>
        e instanceof SidecarError && e.code === 'bundle_error' && /http\.send, net\.lookup_ip_addr/.test(e.message) && /http\.send: network I\/O/.test(e.message),
    );
  });

  it('implements at least the builtins authorization policies need', () => {
    for (const name of ['time.now_ns', 'time.parse_rfc3339_ns', 'time.date', 'time.clock', 'time.weekday', 'time.add_date', 'io.jwt.decode',
      'crypto.sha256', 'crypto.hmac.sha256', 'uuid.rfc4122', 'units.parse_bytes', 'net.cidr_expand']) {
      assert.ok(OWN_BUILTINS.includes(name), name);
    }
    // Ours now, not the npm SDK's (whose sprintf lost big-integer digits and whose yaml.is_valid was wrong).
    for (const name of ['sprintf', 'regex.split', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal']) assert.ok(OWN_BUILTINS.includes(name), name);
  });

  it('keeps nanosecond timestamps exact (beyond 2^53)', () => {
    assert.equal(call('time.parse_rfc3339_ns', '2024-02-29T23:59:59.123456789Z'), 1709251199123456789n);
    assert.equal(call('time.add_date', 1709251199123456789n, 0n, 0n, 1n), 1709337599123456789n);
  });

  it('returns one time.now_ns and one UUID per key within an evaluation', () => {
    const ctx = newEvalContext();
    assert.equal(HOST_BUILTINS['time.now_ns']!([], ctx), HOST_BUILTINS['time.now_ns']!([], ctx));
    assert.equal(HOST_BUILTINS['uuid.rfc4122']!(['k'], ctx), HOST_BUILTINS['uuid.rfc4122']!(['k'], ctx));
    assert.notEqual(HOST_BUILTINS['uuid.rfc4122']!(['k'], ctx), HOST_BUILTINS['uuid.rfc4122']!(['k'], newEvalContext()));
  });

  it('bounds what input can make a builtin compute: CIDR expansion and byte exponents', () => {
    const small = call('net.cidr_expand', '10.0.0.0/16') as RegoSet;
    assert.equal(small.items.length, 65536);
    assert.throws(() => call('net.cidr_expand', '10.0.0.0/15'), BuiltinError);
    assert.throws(() => call('net.cidr_expand', '::/0'), BuiltinError);
    assert.throws(() => call('units.parse_bytes', '1e999999'), BuiltinError);
    assert.equal(call('units.parse_bytes', '1e-999999'), 0);
  });

  it('signals OPA builtin errors as BuiltinError (undefined in the policy), never a crash', () => {
    for (const [name, args] of [
      ['time.parse_rfc3339_ns', [42]],
      ['time.date', ['x']],
      ['time.clock', [[1, 'Not/AZone']]],
      ['io.jwt.decode', ['a.b']],
      ['crypto.sha256', [null]],
      ['units.parse_bytes', ['1 kb']],
      ['net.cidr_expand', ['1.2.3.4']],
    ] as const) {
      assert.throws(() => call(name, ...args), BuiltinError, name);
    }
  });
});
