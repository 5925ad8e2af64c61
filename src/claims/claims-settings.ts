import type { Config } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';
import { parseRoleClaims, roleClaimProblem, type RoleClaim } from './role-claims.ts';
import { sharedTierSettings, type SharedTierSettings } from './shared/shared-settings.ts';

export interface ClaimsSettings {
  /** `claims.roleClaims`, parsed once. */
  readonly roleClaims: readonly RoleClaim[];
  /** `claims.shared.*`: the shared claims tier, undefined when it is off (src/claims/shared/). */
  readonly shared?: SharedTierSettings | undefined;
}

/** Checks the rules across the `claims.*` keys and derives what the claims components need. */
export function claimsSettings(config: Config): ClaimsSettings {
  const claims = config.claims;
  for (const entry of claims.roleClaims) {
    const problem = roleClaimProblem(entry);
    if (problem) throw configError('claims.roleClaims', `'${entry}': ${problem}`);
  }
  const introspects = claims.sources.includes('introspection') || claims.introspection.verifyTokens;
  if (introspects && (!claims.clientId || !claims.clientSecret)) {
    throw configError(claims.clientId ? 'claims.clientSecret' : 'claims.clientId', 'is required for introspection (AUTHZ_CLIENT_ID, AUTHZ_CLIENT_SECRET)');
  }
  const logoutPath = claims.backchannelLogout.path;
  if (logoutPath !== undefined && !claims.clientId) {
    throw configError('claims.clientId', 'is required by claims.backchannelLogout.path (the logout token\'s aud)');
  }
  const lookup = claims.subjectLookup.url;
  if (lookup !== undefined && (lookup.split('{id}').length !== 2 || new URL(lookup.replace('{id}', 'x')).host !== new URL(lookup.replace('{id}', 'y')).host)) {
    throw configError('claims.subjectLookup.url', `must hold '{id}' once, in its path (got '${lookup}')`);
  }
  if (claims.subjectLookup.authorization !== undefined && lookup === undefined) throw configError('claims.subjectLookup.authorization', 'is set but claims.subjectLookup.url is not');
  if (claims.admin.token !== undefined && Buffer.byteLength(claims.admin.token) < 32) throw configError('claims.admin.token', 'must be at least 32 bytes');
  return { roleClaims: parseRoleClaims(claims.roleClaims), shared: sharedTierSettings(config) };
}
