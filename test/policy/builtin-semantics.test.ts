import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_BUILTINS } from '../../src/policy/builtins/host-builtins.ts';
import { newEvalContext } from '../../src/policy/builtins/eval-context.ts';
import { BuiltinError } from '../../src/policy/builtins/builtin-types.ts';
import { RegoNumber, RegoSet } from '../../src/policy/wasm/rego-value.ts';

/**
 * Regression tests for what the npm SDK's builtins got wrong and for the Go semantics the host
 * builtins reproduce. The full comparison with OPA is test/policy/differential.test.ts (opa eval)
 * and `npm run test:opa-cases` (OPA's own test cases).
 */
const call = (name: string, ...args: unknown[]): unknown => HOST_BUILTINS[name]!(args, newEvalContext());
const n = (text: string): RegoNumber => new RegoNumber(text);

describe('host builtin semantics (Go, as OPA has them)', () => {
  it('sprintf keeps every digit of integers beyond 2^53 (the SDK printed 123456789123456800000)', () => {
    assert.equal(call('sprintf', '%d %v', [n('123456789123456789123'), n('1208925819614629174706175')]), '123456789123456789123 1208925819614629174706175');
  });

  it('sprintf prints %v of arrays, objects and sets as Rego text, and floats by their text', () => {
    assert.equal(call('sprintf', '%v %v %v %v', [['there', n('5'), n('3.14')], { b: n('1'), a: true }, new RegoSet([n('2'), n('1')]), new RegoSet([])]),
      '["there", 5, 3.14] {"a": true, "b": 1} {1, 2} set()');
    assert.equal(call('sprintf', '%f %d', [n('100.0'), n('100')]), '100.000000 100');
    assert.equal(call('sprintf', '%v', [n('2e308')]), '2e308');
  });

  it('sprintf rounds half to even on the exact binary value, as strconv does', () => {
    assert.equal(call('sprintf', '%.2f %.0f %.0f %.1f', [n('0.125'), n('2.5'), n('3.5'), n('0.15')]), '0.12 2 4 0.1');
  });

  it("sprintf reports Go's bad verbs, missing and extra arguments", () => {
    assert.equal(call('sprintf', '%d %s', ['x']), '%!d(string=x) %!s(MISSING)');
    assert.equal(call('sprintf', '%s', ['a', n('1')]), 'a%!(EXTRA int64=1)');
  });

  it('yaml.is_valid is false for non-strings and for a broken later document (the SDK said true)', () => {
    assert.equal(call('yaml.is_valid', n('1')), false);
    assert.equal(call('yaml.is_valid', 'a: 1\n---\n\tb: 2\n'), false);
    assert.equal(call('yaml.is_valid', 'a: 1\n---\nb: 2\n'), true);
    assert.equal(call('yaml.is_valid', ': a'), false);
  });

  it("regex builtins use Go's RE2 syntax: inline flags, no backreferences, Go's empty-match rules", () => {
    assert.deepEqual(call('regex.find_n', '(?i)hel+o', 'Hello HELLO', -1), ['Hello', 'HELLO']);
    assert.throws(() => call('regex.split', '(a)\\1', 'aa'), BuiltinError);
    assert.equal(call('regex.replace', 'baaac', 'a*', 'X'), 'XbXcX');
    assert.equal(call('regex.replace', 'ab', '(?P<x>a)', '${x}$1$$'), 'aa$b');
  });

  it("units.parse is exact: milli is Go's float64 0.001, other fractions round to ten decimals", () => {
    assert.equal(JSON.stringify(call('units.parse', '1m')), '0.0010000000');
    assert.equal(call('units.parse', '1.5Ki'), 1536n);
    assert.equal(call('units.parse', '1e30'), 10n ** 30n);
    assert.throws(() => call('units.parse', '1 K'), BuiltinError);
  });

  it('opa.runtime shows policies nothing of the process (no environment, no configuration)', () => {
    assert.deepEqual(call('opa.runtime'), {});
  });
});
