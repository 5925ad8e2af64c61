import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { toJson } from '../wasm/rego-value.ts';
import type { HostBuiltin } from './builtin-types.ts';
import { cryptoBuiltins } from './crypto.ts';
import { jwtBuiltins } from './jwt.ts';
import { netBuiltins } from './net.ts';
import { timeBuiltins } from './time.ts';
import { unitsBuiltins } from './units.ts';
import { unitsParseBuiltins } from './units-parse.ts';
import { stringBuiltins } from './strings.ts';
import { regexBuiltins } from './regex.ts';
import { collectionBuiltins } from './collections.ts';
import { semverBuiltins } from './semver.ts';
import { jwtVerifyBuiltins } from './jwt-verify.ts';
import { jwtSignBuiltins } from './jwt-sign.ts';
import { encodingBuiltins } from './encoding.ts';
import { uriBuiltins } from './uri.ts';
import { graphqlBuiltins } from './graphql.ts';

/**
 * Every builtin the sidecar supplies to a policy's Wasm module, by OPA name. OPA's Wasm target
 * implements most builtins itself; the rest it imports from the host. A bundle whose module
 * imports a builtin missing here is refused when it loads (see check in load-wasm-policy.ts).
 *
 * Ours (exact OPA semantics, tested against `opa eval`) come first; the npm SDK's own JS
 * builtins (sprintf, json.is_valid, regex.split, yaml.*) fill in the rest.
 */
export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = Object.freeze({
  ...sdkBuiltins(),
  ...timeBuiltins,
  ...cryptoBuiltins,
  ...jwtBuiltins,
  ...unitsBuiltins,
  ...unitsParseBuiltins,
  ...netBuiltins,
  ...stringBuiltins,
  ...regexBuiltins,
  ...collectionBuiltins,
  ...semverBuiltins,
  ...jwtVerifyBuiltins,
  ...jwtSignBuiltins,
  ...encodingBuiltins,
  ...uriBuiltins,
  ...graphqlBuiltins,
});

/** Names implemented by this project (not by the SDK), for the docs and the tests. */
export const OWN_BUILTINS: readonly string[] = Object.freeze(
  [timeBuiltins, cryptoBuiltins, jwtBuiltins, unitsBuiltins, unitsParseBuiltins, netBuiltins, stringBuiltins, regexBuiltins, collectionBuiltins, semverBuiltins, jwtVerifyBuiltins, jwtSignBuiltins, encodingBuiltins, uriBuiltins, graphqlBuiltins].flatMap((t) => Object.keys(t)).sort(),
);

/**
 * The SDK keeps its builtins in an internal module (not in its package exports); they are
 * loaded by file path next to its entry point. If a future SDK moves them, these builtins are
 * simply unsupported and bundles needing them are refused by name, never evaluated wrongly.
 */
function sdkBuiltins(): Record<string, HostBuiltin> {
  let table: Record<string, (...args: unknown[]) => unknown>;
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@open-policy-agent/opa-wasm');
    table = require(join(dirname(entry), 'builtins', 'index.js')) as typeof table;
  } catch {
    return {};
  }
  const out: Record<string, HostBuiltin> = {};
  for (const [name, fn] of Object.entries(table)) {
    if (typeof fn !== 'function') continue;
    // The SDK expects plain JSON values: sets as arrays, numbers as JS numbers.
    out[name] = (args) => fn(...args.map((a) => plain(toJson(a))));
  }
  return out;
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
