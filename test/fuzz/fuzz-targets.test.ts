import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz as tokenParser } from './token-parser.fuzz.ts';
import { fuzz as inputBuilder } from './input-builder.fuzz.ts';

/**
 * Runs the fuzz targets for a fixed time budget (FUZZ_SECONDS, default 1 per target in npm test)
 * on bytes from fast-check: random buffers, and mutations of seed inputs (a real token shape and
 * path-traversal spellings), so the runs reach past the first checks. Not coverage-guided (see
 * README, "Fuzzing": Jazzer.js cannot load on this machine's glibc), but the same targets run
 * under Jazzer where it loads. Any invariant violation fails with the reproducing input.
 */
const SECONDS = Number(process.env['FUZZ_SECONDS'] ?? 1);

const b64u = (s: string): string => Buffer.from(s).toString('base64url');
const TOKEN_SEEDS = [
  `${b64u('{"alg":"RS256","kid":"k"}')}.${b64u('{"sub":"a","exp":1,"roles":["admin"]}')}.${b64u('sig')}`,
  `${b64u('{"alg":"none"}')}.${b64u('{"sub":"a","sub":"b"}')}.`,
  `${b64u('{"a":[[[[1]]]],"b":{"c":{}}}')}.${b64u('{"s\\u0075b":1}')}.AA`,
];
const PATH_SEEDS = ['GET/api/orders/../admin', 'GET/api/%2e%2e/a;b=c//x/', 'DELETE/a/%252e%252e/%2F/%00', 'get/./../..;/x?y=/../z'];

function mutated(seeds: readonly string[]): fc.Arbitrary<Buffer> {
  const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete', 'dup') });
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 8 })).map(([seed, edits]) => {
    let bytes = [...Buffer.from(seed, 'latin1')];
    for (const { at, byte, kind } of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 'set') bytes[i] = byte;
      else if (kind === 'insert') bytes.splice(i, 0, byte);
      else if (kind === 'delete') bytes.splice(i, 1);
      else bytes = [...bytes.slice(0, i), ...bytes.slice(i, i + 16), ...bytes.slice(i)];
    }
    return Buffer.from(bytes);
  });
}

function run(target: (data: Buffer) => void, seeds: readonly string[]): number {
  const inputs = fc.oneof(fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)), mutated(seeds));
  const deadline = Date.now() + SECONDS * 1000;
  let executions = 0;
  while (Date.now() < deadline) {
    for (const data of fc.sample(inputs, 200)) {
      try {
        target(data);
      } catch (err) {
        assert.fail(`${(err as Error).message}\ninput (base64): ${data.toString('base64')}`);
      }
      executions++;
    }
  }
  return executions;
}

describe(`fuzz targets (${SECONDS} s each)`, () => {
  it('token parser: no crash, only 401 codes, accepted segments are bounded JSON objects', () => {
    const n = run(tokenParser, TOKEN_SEEDS);
    assert.ok(n > 0);
    console.log(`token parser: ${n} executions`);
  });
  it('input builder: no crash, only invalid_request, accepted paths are literal and safe', () => {
    const n = run(inputBuilder, PATH_SEEDS);
    assert.ok(n > 0);
    console.log(`input builder: ${n} executions`);
  });
});
