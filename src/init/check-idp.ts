/**
 * The on-the-spot checks of `authz-sidecar init`: the issuer's discovery document, its userinfo endpoint,
 * and, given a user's access token, what the sidecar itself would make of it (the same verification and
 * enrichment as `serve`, through the identity component, src/decision/identity.ts).
 */
import { discoverIssuer, type IssuerMetadata } from '../token/discover-issuer.ts';
import { httpGet, mediaType } from '../lib/http-get.ts';
import { readRoles } from '../claims/role-claims.ts';
import { createIdentity } from '../decision/identity.ts';
import type { Settings } from '../runtime/settings.ts';
import type { ProcessLog } from '../lib/process-log.ts';

export interface CheckLine {
  readonly level: 'ok' | 'warn' | 'fail';
  readonly text: string;
}

const TIMEOUT_MS = 5000;
const MAX_USERINFO_BYTES = 1024 * 1024;

/** Runs every check it can; a `fail` line means the configuration would not work as written. */
export async function checkIdp(settings: Settings, token: string | undefined): Promise<CheckLine[]> {
  const { config } = settings;
  const lines: CheckLine[] = [];
  let meta: IssuerMetadata;
  try {
    meta = await discoverIssuer(config.issuer, TIMEOUT_MS);
  } catch (err) {
    return [{ level: 'fail', text: (err as Error).message }];
  }
  lines.push({ level: 'ok', text: `discovery: issuer ${meta.issuer}, keys at ${meta.jwksUri}` });
  const usesUserinfo = config.claims.enrich !== 'never' && config.claims.sources.includes('userinfo');
  if (usesUserinfo) lines.push(await probeUserinfo(meta));
  if (token === undefined) {
    lines.push({ level: 'warn', text: "no --token given: the token's audience and where userinfo puts the roles were not checked" });
    return lines;
  }
  // The sidecar's own warnings (an audience mismatch: expected vs received) are shown with the failure.
  const warnings: string[] = [];
  const log: ProcessLog = { debug() {}, info() {}, warn: (msg, f) => warnings.push(`${msg} ${JSON.stringify(f ?? {})}`), error() {} };
  const identity = createIdentity({ config, claims: settings.claims, issuer: { metadata: meta, onDiscovered: (found) => found(meta) }, log });
  await identity.start();
  try {
    const verified = await identity.verify(token).catch((err: Error) => err);
    if (verified instanceof Error) return [...lines, { level: 'fail', text: [`your token: ${verified.message}`, ...warnings].join('\n       ') }];
    const aud = verified.payload.aud;
    lines.push({ level: 'ok', text: `your token verifies: sub ${verified.payload.sub}, aud ${JSON.stringify(aud ?? null)}` });
    if (usesUserinfo && meta.userinfoEndpoint) lines.push(await userinfoRoles(meta.userinfoEndpoint, token, settings));
    const enriched = await identity.enrich(token, verified).catch((err: Error) => err);
    if (enriched instanceof Error) return [...lines, { level: 'fail', text: `claims: ${enriched.message}` }];
    const roles = enriched.subject.roles;
    lines.push(
      roles.length > 0
        ? { level: 'ok', text: `the policy will see ${roles.length} role(s): ${roles.slice(0, 10).join(', ')}${roles.length > 10 ? ', …' : ''}` }
        : { level: 'warn', text: `the policy will see no roles for this user (claims.roleClaims: ${config.claims.roleClaims.join(', ')})` },
    );
  } finally {
    await identity.stop();
  }
  return lines;
}

/** Without a token, a userinfo endpoint answers 401 (or 400/403): enough to show that it is there. */
async function probeUserinfo(meta: IssuerMetadata): Promise<CheckLine> {
  if (!meta.userinfoEndpoint) {
    return { level: 'fail', text: 'the discovery document names no userinfo_endpoint, so roles cannot be fetched; put them in the token and set claims.enrich: never' };
  }
  try {
    const res = await httpGet(meta.userinfoEndpoint, { timeoutMs: TIMEOUT_MS, maxBytes: MAX_USERINFO_BYTES });
    if ([400, 401, 403].includes(res.status)) return { level: 'ok', text: `userinfo at ${meta.userinfoEndpoint} answers (${res.status} without a token, as it should)` };
    return { level: 'warn', text: `userinfo at ${meta.userinfoEndpoint} answered ${res.status} without a token (expected 401)` };
  } catch (err) {
    return { level: 'fail', text: `userinfo at ${meta.userinfoEndpoint} is not reachable: ${(err as Error).message}` };
  }
}

/** Which claims userinfo answers for this token, and whether the configured role claims are among them. */
async function userinfoRoles(endpoint: string, token: string, { config, claims: derived }: Settings): Promise<CheckLine> {
  let res;
  try {
    res = await httpGet(endpoint, { timeoutMs: TIMEOUT_MS, maxBytes: MAX_USERINFO_BYTES, headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    return { level: 'fail', text: `userinfo is not reachable: ${(err as Error).message}` };
  }
  if (res.status !== 200) return { level: 'fail', text: `userinfo refused your token: ${res.status} (Keycloak answers 403 to a token requested without scope=openid)` };
  if (mediaType(res.contentType) !== 'application/json') return { level: 'warn', text: `userinfo answered ${res.contentType || 'no content type'}, not JSON: roles are not checked` };
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return { level: 'fail', text: 'userinfo answered malformed JSON' };
  }
  const names = Object.keys(claims).sort().join(', ');
  const roles = readRoles(claims, derived.roleClaims);
  if (roles === undefined) {
    return { level: 'warn', text: `userinfo has none of the role claims ${config.claims.roleClaims.join(', ')}; it has: ${names}. Pass --roles-claim with the right one, or fix the IdP's mapper` };
  }
  return { level: 'ok', text: `userinfo answers the roles (${roles.length}) at ${config.claims.roleClaims.join(' / ')}; its claims: ${names}` };
}
