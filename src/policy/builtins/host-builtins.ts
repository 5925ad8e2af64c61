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
 * imports a builtin missing here is refused when it loads (see policy-engine.ts), naming the
 * reason from UNSUPPORTED_BUILTINS when it is one of those.
 *
 * All of them are ours, with OPA's semantics, compared against `opa eval` by
 * test/policy/differential.test.ts and against OPA's own test cases by scripts/opa-cases.ts. The
 * modules are plain tables: a builtin costs nothing until a policy calls it (graphql-js is even
 * loaded on the first call).
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

/**
 * The builtins OPA v1.22.2's Wasm target imports from the host that the sidecar deliberately does
 * not supply, with the reason (docs/policy-lifecycle.md#builtins lists them).
 */
export const UNSUPPORTED_BUILTINS: Readonly<Record<string, string>> = Object.freeze({
  'http.send': 'network I/O during evaluation: a host builtin must answer synchronously, and a request on the authorization path would tie every decision to another service',
  'net.lookup_ip_addr': 'DNS I/O during evaluation: a host builtin must answer synchronously',
  'rego.parse_module': "needs OPA's Rego parser and AST, which exist only in Go",
  'strings.render_template': "Go's text/template language, which has no faithful JavaScript implementation",
  'json.verify_schema': "gojsonschema's answers, including its error texts, which policies receive as data",
  'json.match_schema': "gojsonschema's answers, including its error texts, which policies receive as data",
  'crypto.x509.parse_certificates': "Go's x509.Certificate marshalled to JSON (dozens of Go-specific fields)",
  'crypto.x509.parse_and_verify_certificates': "Go's x509.Certificate marshalled to JSON, and Go's chain verification",
  'crypto.x509.parse_and_verify_certificates_with_options': "Go's x509.Certificate marshalled to JSON, and Go's chain verification",
  'crypto.x509.parse_certificate_request': "Go's x509.CertificateRequest marshalled to JSON",
  'crypto.x509.parse_keypair': "Go's tls.Certificate marshalled to JSON",
  'crypto.parse_private_keys': "Go's private key structs marshalled to JSON",
});

/** Names implemented by this project, for the docs and the tests. */
export const OWN_BUILTINS: readonly string[] = Object.freeze(
  [timeBuiltins, cryptoBuiltins, jwtBuiltins, unitsBuiltins, unitsParseBuiltins, netBuiltins, stringBuiltins, regexBuiltins, collectionBuiltins, semverBuiltins, jwtVerifyBuiltins, jwtSignBuiltins, encodingBuiltins, uriBuiltins, graphqlBuiltins, sprintfBuiltins, yamlBuiltins, jsonBuiltins, jsonPatchBuiltins, netMergeBuiltins, awsBuiltins, timeExtraBuiltins, timeParseBuiltins, cryptoKeyBuiltins].flatMap((t) => Object.keys(t)).sort(),
);
