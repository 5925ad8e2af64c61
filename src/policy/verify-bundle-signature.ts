import { createHash, createPublicKey, createSecretKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify, errors as joseErrors } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';
import { compareStrings } from './wasm/rego-value.ts';

export interface SigningOptions {
  /** PEM public key or certificate; for HS* a file holding the shared secret. */
  readonly keyFile: string;
  readonly algorithm: string;
  readonly keyId: string;
  /** Required `scope` claim; OPA compares it exactly, so unset means "no scope claim". */
  readonly scope: string | undefined;
}

/** Checks a bundle's `.signatures.json` against its files; throws `bundle_error` on any mismatch. */
export type BundleVerifier = (files: ReadonlyMap<string, Buffer>) => Promise<void>;

const SIGNATURES = '/.signatures.json';
const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};
/** Files OPA hashes as canonical JSON rather than as bytes (bundle.IsStructuredDoc). */
const STRUCTURED = new Set(['data.json', 'data.yaml', '.signatures.json', '.manifest']);

/**
 * Verification of OPA signed bundles (bundle/verify.go), built once from the configured key:
 * `.signatures.json` holds exactly one JWT, verified with jose against the configured key and
 * algorithm; its `kid` (or deprecated `keyid` claim), when present, must name the configured
 * key; its `scope` must equal the configured scope; and every file of the bundle must be listed
 * with a matching digest, and every listed file must be present.
 *
 * @example
 * const verify = createBundleVerifier({ keyFile: 'keys/bundle.pem', algorithm: 'RS256', keyId: 'default', scope: undefined });
 * await verify(readBundle(archive).files); // throws SidecarError('bundle_error') when it does not verify
 */
export function createBundleVerifier(options: SigningOptions): BundleVerifier {
  const key = readKey(options);
  return async (files) => {
    const raw = files.get(SIGNATURES);
    if (!raw) throw fail('bundle is not signed (no .signatures.json) but policy.signing is configured');
    let token: string;
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as { signatures?: unknown };
      const list = Array.isArray(parsed.signatures) ? parsed.signatures : [];
      if (list.length !== 1 || typeof list[0] !== 'string') throw new Error(`expected exactly one JWT, found ${list.length}`);
      token = list[0];
    } catch (err) {
      throw fail(`.signatures.json: ${(err as Error).message}`);
    }

    let payload: { files?: unknown; scope?: unknown; keyid?: unknown };
    try {
      const { payload: bytes, protectedHeader } = await compactVerify(token, key, { algorithms: [options.algorithm] });
      payload = JSON.parse(new TextDecoder().decode(bytes)) as typeof payload;
      const kid = protectedHeader.kid ?? (typeof payload.keyid === 'string' ? payload.keyid : undefined);
      if (kid !== undefined && kid !== '' && kid !== options.keyId) throw fail(`signature names key '${kid}', but the configured key is '${options.keyId}'`);
    } catch (err) {
      if (err instanceof SidecarError) throw err;
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw fail('the bundle signature does not verify with the configured key');
      if (err instanceof joseErrors.JOSEAlgNotAllowed) throw fail(`the bundle is signed with another algorithm than ${options.algorithm}`);
      throw fail(`the bundle signature is invalid: ${(err as Error).message}`);
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    if (scope !== (options.scope ?? '')) throw fail(`signature scope '${scope}' does not match the configured scope '${options.scope ?? ''}'`);

    const listed = new Map<string, { hash: string; algorithm: string }>();
    for (const f of Array.isArray(payload.files) ? payload.files : []) {
      const { name, hash, algorithm } = (f ?? {}) as { name?: unknown; hash?: unknown; algorithm?: unknown };
      if (typeof name === 'string' && typeof hash === 'string') listed.set(name, { hash, algorithm: typeof algorithm === 'string' ? algorithm : '' });
    }
    for (const [path, content] of files) {
      if (path === SIGNATURES) continue;
      const name = path.slice(1);
      const entry = listed.get(name);
      if (!entry) throw fail(`file ${name} is not included in the bundle signature`);
      const alg = HASHES[entry.algorithm];
      if (!alg) throw fail(`file ${name}: unsupported hashing algorithm '${entry.algorithm}'`);
      const actual = digestOf(name, content, alg);
      if (actual !== entry.hash.toLowerCase()) throw fail(`${name}: digest mismatch (want ${entry.hash}, got ${actual})`);
      listed.delete(name);
    }
    if (listed.size > 0) throw fail(`file(s) ${[...listed.keys()].join(', ')} listed in the bundle signature but not found in the bundle`);
  };
}

function fail(message: string): SidecarError {
  return new SidecarError('bundle_error', `bundle signature check failed: ${message}`, { expose: true });
}

function readKey(options: SigningOptions): KeyObject {
  let text: string;
  try {
    text = readFileSync(options.keyFile, 'utf8');
  } catch (err) {
    throw new SidecarError('config_error', `config key 'policy.signing.keyFile': cannot read '${options.keyFile}': ${(err as Error).message}`, { expose: true });
  }
  try {
    if (options.algorithm.startsWith('HS')) return createSecretKey(Buffer.from(text.replace(/\r?\n$/, ''), 'utf8'));
    if (text.includes('BEGIN CERTIFICATE')) return new X509Certificate(text).publicKey;
    return createPublicKey(text);
  } catch (err) {
    throw new SidecarError('config_error', `config key 'policy.signing.keyFile': '${options.keyFile}' holds no usable ${options.algorithm} key: ${(err as Error).message}`, {
      expose: true,
    });
  }
}

/** OPA's hash of a bundle file: canonical JSON for structured files, raw bytes otherwise. */
function digestOf(name: string, content: Buffer, alg: string): string {
  const h = createHash(alg);
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (!STRUCTURED.has(base)) return h.update(content).digest('hex');
  let doc: unknown;
  try {
    // Numbers keep their source text, as Go's json.Number does.
    doc = JSON.parse(content.toString('utf8'), (_k, v: unknown, ctx?: { source?: string }) =>
      typeof v === 'number' && ctx?.source !== undefined ? new JsonNumber(ctx.source) : v,
    );
  } catch {
    throw fail(`${name} is not valid JSON`);
  }
  return h.update(canonical(doc), 'utf8').digest('hex');
}

class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** bundle/hash.go walk(): objects with keys sorted (bytewise), no whitespace, Go's string escaping. */
function canonical(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort(compareStrings)
      .map((k) => `${goString(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v);
}

/** encoding/json with SetEscapeHTML(false): like JSON.stringify, plus U+2028/U+2029 escaped. */
function goString(s: string): string {
  return JSON.stringify(s.toWellFormed()).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}
