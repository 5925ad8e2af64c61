import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';

/** The paths the AuthZEN API answers (docs/authzen.md); the metadata path is RFC 8615's, the others the spec's defaults. */
export const AUTHZEN_PATHS = {
  evaluation: '/access/v1/evaluation',
  evaluations: '/access/v1/evaluations',
  searchSubject: '/access/v1/search/subject',
  searchResource: '/access/v1/search/resource',
  searchAction: '/access/v1/search/action',
  metadata: '/.well-known/authzen-configuration',
} as const;

export type TrustMode = 'token' | 'pep';

/** What the AuthZEN pipeline needs from `authzen.*`, checked and derived once per configuration. */
export interface AuthzenSettings {
  readonly enabled: boolean;
  readonly entrypoint: string;
  readonly searchEntrypoint: string;
  readonly trust: readonly TrustMode[];
  /** SHA-256 of `authzen.pepToken`, compared in constant time with the digest of the bearer token sent. */
  readonly pepDigest: Buffer | undefined;
  readonly maxEvaluations: number;
  readonly searchPageSize: number;
  readonly searchMaxCandidates: number;
  /** `authzen.pageTokenKey` as bytes; undefined: the per-process key of page-token.ts. */
  readonly pageTokenKey: Buffer | undefined;
  /** `authzen.baseUrl` without a trailing slash, or undefined (the request's Host is used). */
  readonly baseUrl: string | undefined;
}

const MIN_SECRET_BYTES = 32;

/** Checks the rules across the `authzen.*` keys (each error names its key) and derives what the pipeline needs. */
export function authzenSettings(config: Config): AuthzenSettings {
  const a = config.authzen;
  const pep = a.trust.includes('pep');
  if (pep && a.pepToken === undefined) throw configError('authzen.pepToken', 'is required when authzen.trust has pep (AUTHZ_AUTHZEN_PEP_TOKEN)');
  if (!pep && a.pepToken !== undefined) throw configError('authzen.pepToken', 'is set but authzen.trust does not have pep: add it, or unset the token');
  for (const [k, v] of [['authzen.pepToken', a.pepToken], ['authzen.pageTokenKey', a.pageTokenKey]] as const) {
    if (v !== undefined && Buffer.byteLength(v) < MIN_SECRET_BYTES) throw configError(k, `must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (a.enabled) {
    const taken = (path: string): boolean => path === AUTHZEN_PATHS.metadata || path.startsWith('/access/v1/');
    if (taken(config.http.forwardAuthPath)) throw configError('http.forwardAuthPath', `'${config.http.forwardAuthPath}' is taken by the AuthZEN API (authzen.enabled)`);
    const logout = config.claims.backchannelLogout.path;
    if (logout !== undefined && taken(logout)) throw configError('claims.backchannelLogout.path', `'${logout}' is taken by the AuthZEN API (authzen.enabled)`);
  }
  return Object.freeze({
    enabled: a.enabled,
    entrypoint: a.entrypoint,
    searchEntrypoint: a.searchEntrypoint,
    trust: a.trust,
    pepDigest: a.pepToken === undefined ? undefined : createHash('sha256').update(a.pepToken).digest(),
    maxEvaluations: a.maxEvaluations,
    searchPageSize: a.searchPageSize,
    searchMaxCandidates: a.searchMaxCandidates,
    pageTokenKey: a.pageTokenKey === undefined ? undefined : Buffer.from(a.pageTokenKey),
    baseUrl: a.baseUrl?.replace(/\/+$/, ''),
  });
}
