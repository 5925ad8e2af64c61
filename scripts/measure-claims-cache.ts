// Measures the heap one claims-cache entry takes, for 10 and 1,000 roles, and compares it with the
// estimate the cache budgets with (src/claims/fetch-claims.ts: 512 + 3 × the JSON answer's bytes).
// Run: node --expose-gc scripts/measure-claims-cache.ts   (prints a Markdown table)
import { createClaimsCache, subjectId } from '../src/claims/claims-cache.ts';
import { parseRoleClaims, readRoles } from '../src/claims/role-claims.ts';
import { createRoleInterner } from '../src/claims/intern-roles.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const paths = parseRoleClaims(['roles', 'groups']);

/** A userinfo answer shaped like Keycloak's; `unique` gives every user their own role names (worst case). */
function answer(i: number, roles: number, unique: boolean): string {
  const names = Array.from({ length: roles }, (_, r) => (unique ? `u${i}-api-${String(r).padStart(4, '0')}-reader` : `api-${String(r).padStart(4, '0')}-reader`));
  return JSON.stringify({ sub: `0f6c2d3e-${String(i).padStart(8, '0')}-4a1b-9c2d-3e4f5a6b7c8d`, preferred_username: `user${i}`, roles: names, groups: ['api-readers'] });
}

async function measure(roles: number, unique: boolean, n: number): Promise<{ heap: number; json: number; estimate: number }> {
  const cache = createClaimsCache({ maxEntries: n + 1, maxBytes: Number.MAX_SAFE_INTEGER, staleIfErrorSeconds: 60 });
  const bodies = Array.from({ length: n }, (_, i) => answer(i, roles, unique));
  const interner = createRoleInterner();
  gc!();
  const before = process.memoryUsage().heapUsed;
  let json = 0;
  for (let i = 0; i < n; i++) {
    // As the userinfo client does: the body text is parsed, then dropped; the parsed claims are kept.
    const text = bodies[i]!.slice(0);
    json += Buffer.byteLength(text);
    const claims = JSON.parse(text) as Record<string, unknown>;
    // As src/claims/fetch-claims.ts does: role claims and the role list interned.
    interner.claims(claims, paths);
    const roles = interner.list(readRoles(claims, paths) ?? []);
    await cache.getOrLoad(`userinfo:key-${i}-${'x'.repeat(30)}`, async () => ({
      value: { claims, roles },
      ttlSeconds: 300,
      subject: subjectId('https://idp.example.com/realms/acme', claims['sub'] as string),
      bytes: 512 + 3 * Buffer.byteLength(text),
    }));
  }
  gc!();
  const heap = process.memoryUsage().heapUsed - before;
  if (cache.stats.entries !== n) throw new Error('entries were evicted');
  const estimate = cache.stats.bytes;
  cache.close();
  return { heap: Math.round(heap / n), json: Math.round(json / n), estimate: Math.round(estimate / n) };
}

console.log(`Node ${process.version}, ${process.arch}\n`);
console.log('| roles | role names | entries | JSON answer | heap per entry | budgeted per entry |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [roles, n] of [[10, 20000], [1000, 1000]] as const) {
  for (const unique of [false, true]) {
    const r = await measure(roles, unique, n);
    console.log(`| ${roles} | ${unique ? 'unique per user' : 'shared catalogue'} | ${n} | ${r.json} B | ${r.heap} B | ${r.estimate} B |`);
  }
}
