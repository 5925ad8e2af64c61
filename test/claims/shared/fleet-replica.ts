/**
 * One replica's claims path in a process of its own, for the fleet tests: the local tier, the
 * shared tier (on the real redis-server the parent started) and a userinfo client to the parent's
 * loopback IdP. It reports 'ready' once Redis is connected, fetches once on 'go', and exits on 'stop'.
 * argv: redis url, fleet key (base64), userinfo endpoint, token, issuer.
 */
import { decodeJwt } from 'jose';
import { createCircuitBreaker } from '../../../src/claims/circuit-breaker.ts';
import { createClaimsCache } from '../../../src/claims/claims-cache.ts';
import { createClaimsFetcher, createClaimsSource } from '../../../src/claims/fetch-claims.ts';
import { parseRoleClaims } from '../../../src/claims/role-claims.ts';
import { createSharedClaimsTier } from '../../../src/claims/shared/shared-tier.ts';
import { createUserinfoClient } from '../../../src/claims/userinfo-client.ts';
import { silentLog } from '../../../src/lib/process-log.ts';
import type { VerifiedToken } from '../../../src/token/verify-token.ts';

const [url, key, endpoint, token, issuer] = process.argv.slice(2) as [string, string, string, string, string];
const tier = createSharedClaimsTier({
  settings: {
    url,
    key: Buffer.from(key, 'base64'),
    prefix: 'authz:claims:',
    connectTimeoutMs: 1000,
    commandTimeoutMs: 250,
    readBudgetMs: 20,
    lockMs: 3000,
    lockWaitMs: 1000,
    breakerFailures: 3,
    breakerCoolOffMs: 2000,
    staleIfErrorSeconds: 60,
  },
  log: silentLog,
});
const cache = createClaimsCache({ maxEntries: 100, maxBytes: 1 << 24, staleIfErrorSeconds: 60 });
const fetch = createClaimsFetcher({ cache, roleClaims: parseRoleClaims(['roles']), issuer, cacheTtlSeconds: 300, negativeTtlSeconds: 10, shared: tier });
const client = createUserinfoClient({ endpoint, connectTimeoutMs: 1000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, maxResponseBytes: 65536, connections: 1 });
const source = createClaimsSource('userinfo', client, createCircuitBreaker({ name: 'userinfo', failureThreshold: 5, coolOffMs: 5000 }));
const verified = { payload: decodeJwt(token) as VerifiedToken['payload'], header: { alg: 'RS256' } } as VerifiedToken;

await tier.start();
while (tier.status()['claims_shared']!.state !== 'OK') await new Promise((r) => setTimeout(r, 10));
process.send!({ ready: true });
process.on('message', async (m: { go?: boolean; stop?: boolean }) => {
  if (m.go) {
    try {
      const r = await fetch(source, token, verified);
      process.send!({ outcome: r.outcome, roles: r.roles, shared: tier.counts });
    } catch (err) {
      process.send!({ error: (err as Error).message });
    }
  }
  if (m.stop) {
    await tier.stop();
    await client.close();
    cache.close();
    process.exit(0);
  }
});
