import type { FuzzTarget } from './coverage-fuzzer.ts';

/** Coverage counts only the project's own code, not node_modules, Node internals or the tests. */
export const SRC_ROOT = new URL('../../src/', import.meta.url).href;

const b64u = (s: string): string => Buffer.from(s).toString('base64url');
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
/** The input builder's first byte says where the method ends. */
const request = (method: string, target: string): Buffer => Buffer.concat([Buffer.from([method.length]), bytes(method + target)]);

export const TOKEN_PARSER: FuzzTarget = {
  name: 'token-parser',
  module: new URL('./token-parser.fuzz.ts', import.meta.url),
  seeds: [
    `${b64u('{"alg":"RS256","kid":"k"}')}.${b64u('{"sub":"a","exp":1,"roles":["admin"]}')}.${b64u('sig')}`,
    `${b64u('{"alg":"none"}')}.${b64u('{"sub":"a","sub":"b"}')}.`,
    `${b64u('{"a":[[[[1]]]],"b":{"c":{}}}')}.${b64u('{"s\\u0075b":1}')}.AA`,
  ].map(bytes),
  dictionary: [
    '.', '..', '=', ' ', '"alg"', '{', '}', '[', ']', '"', ':', ',', '\\u', '__proto__',
    // base64url fragments that decode to JSON openings, so byte edits can reach the JSON checks
    'eyJ', 'fQ', 'e30', 'W10', 'AA', '-_', b64u('[[['), b64u(']]]'), b64u('{"a'), b64u('":{'), b64u('}}}'),
    b64u('{"alg":"RS256"}'), b64u('{"sub":"a","sub":"b"}'), b64u('{"a":{"b":[[[['), b64u('{"__proto__":1}'), b64u('\ufeff{}'),
  ].map(bytes),
  maxLen: 1024,
};

export const INPUT_BUILDER: FuzzTarget = {
  name: 'input-builder',
  module: new URL('./input-builder.fuzz.ts', import.meta.url),
  seeds: [
    request('GET', '/api/orders/../admin'),
    request('GET', '/api/%2e%2e/a;b=c//x/'),
    request('DELETE', '/a/%252e%252e/%2F/%00'),
    request('get', '/./../..;/x?y=/../z&y=1'),
  ],
  dictionary: [
    '/', '//', '.', '..', '/../', ';', '?', '#', '&', '=', '\\', '%', '%2e', '%2E', '%2f', '%5c', '%00', '%0a', '%25',
    '%252e', '%c0%ae', '%e2%80%ae', '%ff', 'GET',
  ].map(bytes),
  maxLen: 1024,
};

export const TARGETS: readonly FuzzTarget[] = [TOKEN_PARSER, INPUT_BUILDER];
