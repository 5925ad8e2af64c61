// Heap per cached subject, stage by stage, with the sidecar's own caches and memos (no HTTP, no IdP): the
// verified token, the claims cache entry, the merged subject, the narrowed subject and its remembered JSON.
// Shaped like the benchmark's subjects (10 roles, one known to the policy).
// Run: node --expose-gc scripts/measure-subject-memory.ts [subjects]   (prints a Markdown table)
import { cacheVerifiedTokens } from '../src/token/verified-token-cache.ts';
import { createClaimsCache } from '../src/claims/claims-cache.ts';
import { createClaimsFetcher, createClaimsSource } from '../src/claims/fetch-claims.ts';
import { createClaimsEnricher } from '../src/claims/enrich-claims.ts';
import { createCircuitBreaker } from '../src/claims/circuit-breaker.ts';
import { parseRoleClaims } from '../src/claims/role-claims.ts';
import { createSubjectFilter } from '../src/decision/relevant-roles.ts';
import { jsonOf } from '../src/lib/frozen-json.ts';
import type { PolicyEngine } from '../src/policy/policy-engine.ts';
import type { VerifiedToken } from '../src/token/verify-token.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 100_000);
const iss = 'http://127.0.0.1:18180';
const exp = Math.floor(Date.now() / 1000) + 3600;
const roles = JSON.stringify(Array.from({ length: 10 }, (_, i) => (i === 0 ? 'orders-viewer' : `api-${String(i).padStart(5, '0')}-reader`)));
// Parsed from text, as jose and the userinfo client do: every subject gets its own strings.
const verified = (i: number): VerifiedToken =>
  JSON.parse(`{"payload":{"iss":"${iss}","aud":"bench-api","azp":"bench-service","scope":"openid profile","iat":${exp - 3600},"exp":${exp},"sub":"u10-m${i}","jti":"many-subjects-v1-1764696000-${i}"},"header":{"alg":"RS256","typ":"JWT","kid":"Zk3nq0cY1d5cX9fQ"}}`) as VerifiedToken;
const tokenOf = (i: number): string => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(`m${i}`).toString('base64url')}.${'s'.repeat(342)}`;

const roleClaims = parseRoleClaims(['roles']);
const cache = createClaimsCache({ maxEntries: n + 10, maxBytes: 1e12, staleIfErrorSeconds: 300 });
const fetch = createClaimsFetcher({ cache, roleClaims, issuer: iss, cacheTtlSeconds: 300, negativeTtlSeconds: 10 });
const client = { fetch: async (token: string) => {
  const i = Number(Buffer.from(token.split('.')[1]!, 'base64url').toString().slice(1));
  const text = `{"sub":"u10-m${i}","name":"Bench User","roles":${roles},"groups":[]}`;
  return { claims: JSON.parse(text) as Record<string, unknown>, bytes: text.length };
}, close: async () => undefined };
const breaker = createCircuitBreaker({ name: 'userinfo', failureThreshold: 1e9, coolOffMs: 1000 });
const enrich = createClaimsEnricher({ enrich: 'when-missing', merge: 'token-wins', roleMerge: 'union', roleClaims, sources: [createClaimsSource('userinfo', client, breaker)], fetch, cache });
const verify = cacheVerifiedTokens(async (t) => verified(Number(Buffer.from(t.split('.')[1]!, 'base64url').toString().slice(1))), { ttlSeconds: 3600, maxEntries: n + 10 });
const engine = { relevantRoles: new Set(['admin', 'orders-viewer']), relevantRolesSource: { from: 'data.authz.authz_sidecar.relevant_roles', kind: 'declared' } } as unknown as PolicyEngine;
const filter = createSubjectFilter(roleClaims);

const heap = (): number => { gc!(); gc!(); return process.memoryUsage().heapUsed; };
const rows: [string, number][] = [];
let last = heap();
const stage = async (name: string, f: (i: number) => Promise<unknown> | unknown): Promise<void> => {
  for (let i = 0; i < n; i++) await f(i);
  const h = heap();
  rows.push([name, (h - last) / n]);
  last = h;
};
const tokens = Array.from({ length: n }, (_, i) => tokenOf(i));
last = heap();
await stage('verified-token cache entry (hash key, frozen payload and header)', (i) => verify(tokens[i]!));
await stage('claims cache entry (interned roles), token hash and claims key, merged subject kept per payload', (i) => verify(tokens[i]!).then((v) => enrich(tokens[i]!, v)));
await stage('narrowed subject (relevant roles), per merged subject', async (i) => filter((await enrich(tokens[i]!, await verify(tokens[i]!))).subject, engine));
await stage('remembered JSON of the narrowed subject', async (i) => jsonOf(filter((await enrich(tokens[i]!, await verify(tokens[i]!))).subject, engine)));
console.log(`Node ${process.version}, ${n.toLocaleString('en-US')} subjects with 10 roles\n`);
console.log('| stage | heap per subject |\n| --- | ---: |');
for (const [name, b] of rows) console.log(`| ${name} | ${Math.round(b)} B |`);
console.log(`| total | ${Math.round(rows.reduce((a, [, b]) => a + b, 0))} B (${(rows.reduce((a, [, b]) => a + b, 0) * 1e5 / 2 ** 20).toFixed(0)} MiB per 100,000) |`);
verify.close(); cache.close();
