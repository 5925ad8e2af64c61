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
import { sprintfBuiltins } from './sprintf.ts';
import { yamlBuiltins } from './yaml.ts';
import { jsonBuiltins } from './json.ts';
import { jsonPatchBuiltins } from './json-patch.ts';
import { netMergeBuiltins } from './net-merge.ts';
import { awsBuiltins } from './aws.ts';
import { timeExtraBuiltins } from './time-extra.ts';
import { timeParseBuiltins } from './time-parse.ts';
import { cryptoKeyBuiltins } from './crypto-keys.ts';

/**
 * Every builtin the sidecar supplies to a policy's Wasm module, by OPA name. OPA's Wasm target
 * implements most builtins itself; the rest it imports from the host. A bundle whose module
 * imports a builtin missing here is refused when it loads (see check in load-wasm-policy.ts).
 *
 * Ours (exact OPA semantics, tested against `opa eval`) come first; the npm SDK's own JS
 * builtins (sprintf, json.is_valid, regex.split, yaml.*) fill in the rest.
 */
export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = Object.freeze({
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
  ...sprintfBuiltins,
  ...yamlBuiltins,
  ...jsonBuiltins,
  ...jsonPatchBuiltins,
  ...netMergeBuiltins,
  ...awsBuiltins,
  ...timeExtraBuiltins,
  ...timeParseBuiltins,
  ...cryptoKeyBuiltins,
});

/** Names implemented by this project (not by the SDK), for the docs and the tests. */
export const OWN_BUILTINS: readonly string[] = Object.freeze(
  [timeBuiltins, cryptoBuiltins, jwtBuiltins, unitsBuiltins, unitsParseBuiltins, netBuiltins, stringBuiltins, regexBuiltins, collectionBuiltins, semverBuiltins, jwtVerifyBuiltins, jwtSignBuiltins, encodingBuiltins, uriBuiltins, graphqlBuiltins, sprintfBuiltins, yamlBuiltins, jsonBuiltins, jsonPatchBuiltins, netMergeBuiltins, awsBuiltins, timeExtraBuiltins, timeParseBuiltins, cryptoKeyBuiltins].flatMap((t) => Object.keys(t)).sort(),
);
