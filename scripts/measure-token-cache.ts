// Measures what a verified-token cache costs the event loop at 100,000 and 1,000,000 keys: node-cache's
// periodic check (`_checkData`, run every `checkperiod` seconds on one turn of the event loop, walking
// every key) against src/token/verified-token-cache.ts (a Map with lazy expiry: no walk at all), plus
// the cost of one hit in each. Run: node --expose-gc scripts/measure-token-cache.ts   (prints Markdown)
import { createHash } from 'node:crypto';
import NodeCache from 'node-cache';
import { cacheVerifiedTokens } from '../src/token/verified-token-cache.ts';
import type { VerifiedToken } from '../src/token/verify-token.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const exp = Math.floor(Date.now() / 1000) + 3600;
const payloadOf = (i: number): VerifiedToken => ({
  payload: { iss: 'https://idp.example.com/realms/acme', sub: `user-${i}`, aud: 'orders-api', azp: 'web', scope: 'openid profile', iat: exp - 3600, exp, jti: `j${i}` },
  header: { alg: 'RS256', kid: 'k1', typ: 'JWT' },
});
const tokenOf = (i: number): string => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(`user-${i}`).toString('base64url')}.${'s'.repeat(342)}`;
const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');
const ms = (from: number): string => (performance.now() - from).toFixed(1);

console.log(`Node ${process.version}, ${process.arch}\n`);
console.log('| keys | node-cache: one periodic check (blocks the loop) | node-cache: heap MB | Map cache: periodic work | Map cache: heap MB | hit µs (node-cache / Map) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const n of [100_000, 1_000_000]) {
  gc!();
  let before = process.memoryUsage().heapUsed;
  const nc = new NodeCache({ useClones: false, checkperiod: 0, maxKeys: n + 1 });
  for (let i = 0; i < n; i++) nc.set(keyOf(tokenOf(i)), Object.freeze(payloadOf(i)), 3600);
  gc!();
  const ncHeap = (process.memoryUsage().heapUsed - before) / 1e6;
  const checks: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    (nc as unknown as { _checkData(startPeriod: boolean): void })._checkData(false);
    checks.push(performance.now() - t);
  }
  let t = performance.now();
  for (let i = 0; i < 200_000; i++) nc.get(keyOf(tokenOf(i % n)));
  const ncHit = ((performance.now() - t) * 1000) / 200_000;
  nc.close();
  nc.flushAll();
  gc!();

  before = process.memoryUsage().heapUsed;
  const cache = cacheVerifiedTokens(async (token) => payloadOf(Number(Buffer.from(token.split('.')[1]!, 'base64url').toString().slice(5))), { ttlSeconds: 3600, maxEntries: n });
  for (let i = 0; i < n; i++) await cache(tokenOf(i));
  gc!();
  const mapHeap = (process.memoryUsage().heapUsed - before) / 1e6;
  t = performance.now();
  for (let i = 0; i < 200_000; i++) await cache(tokenOf(i % n));
  const mapHit = ((performance.now() - t) * 1000) / 200_000;
  if (cache.size !== n) throw new Error(`expected ${n} entries, got ${cache.size}`);
  cache.close();
  console.log(`| ${n.toLocaleString('en-US')} | ${checks.map((c) => c.toFixed(1)).join(' / ')} ms | ${ncHeap.toFixed(0)} | none (expired entries dropped when met or evicted) | ${mapHeap.toFixed(0)} | ${ncHit.toFixed(2)} / ${mapHit.toFixed(2)} |`);
  void ms;
}
