// Measures a cold token's verification in process: jose's jwtVerify (signatures through WebCrypto, a
// threadpool job per verification) against createJwtVerify (src/token/verify-jwt.ts: node:crypto's
// synchronous verify on a cached KeyObject, claims still by jose), RS256 and ES256, sequentially and
// with 64 in flight, with the resolver and options src/token/verify-token.ts uses. Each token is new
// (unique jti); nothing here caches verifications. verify() alone on prepared bytes is the floor.
// Run pinned to one core, as the sidecar is in the bench:
//   taskset -c 1 node scripts/measure-token-verify.ts [seconds per run, default 2] [rounds, default 3]
// Prints Markdown: the median rate of the rounds (old and new alternate) and CPU µs per verification.
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { createJwtVerify } from '../src/token/verify-jwt.ts';
import { createKeyResolver } from '../src/token/verify-token.ts';
import { p1363ToDer } from '../src/token/p1363-to-der.ts';

const seconds = Number(process.argv[2] ?? '2');
const rounds = Number(process.argv[3] ?? '3');
const ISSUER = 'https://idp.example.com/realms/acme';
const TOKENS = 4096;

const keys = {
  RS256: { pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), kid: 'rsa', sign: (k: KeyObject, d: Buffer) => sign('sha256', d, k) },
  ES256: { pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }), kid: 'p256', sign: (k: KeyObject, d: Buffer) => sign('sha256', d, { key: k, dsaEncoding: 'ieee-p1363' }) },
};
type Alg = keyof typeof keys;
const jwks = createLocalJWKSet({ keys: await Promise.all(Object.values(keys).map(async (k) => ({ ...(await exportJWK(k.pair.publicKey)), kid: k.kid }))) });
const getKey = createKeyResolver({ hmacSecret: undefined, keys: jwks });
// The options src/token/verify-token.ts gives jose with the default configuration and an audience.
const options = { algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'], issuer: ISSUER, audience: ['orders-api'], clockTolerance: 30, requiredClaims: ['exp', 'sub'] };
const syncVerify = createJwtVerify(getKey, options);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function tokensFor(alg: Alg): string[] {
  const { pair, kid, sign: signWith } = keys[alg];
  const header = b64({ alg, kid, typ: 'JWT' });
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return Array.from({ length: TOKENS }, (_, i) => {
    const input = `${header}.${b64({ iss: ISSUER, aud: 'orders-api', sub: `user-${i % 100}`, exp, iat: exp - 3600, jti: randomUUID(), scope: 'openid profile' })}`;
    return `${input}.${signWith(pair.privateKey, Buffer.from(input)).toString('base64url')}`;
  });
}

interface Rate { perSecond: number; cpuMicros: number }
/** Verifications per second and CPU µs per verification (user + system, every thread) for `forSeconds`. */
async function rate(tokens: string[], run: (t: string) => Promise<unknown>, inFlight: number): Promise<Rate> {
  let cursor = 0;
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      await run(tokens[cursor++ % tokens.length]!);
      done++;
    }
  }));
  const used = process.cpuUsage(cpu);
  return { perSecond: (done * 1000) / (performance.now() - start), cpuMicros: (used.user + used.system) / done };
}

/** The floor: verify() alone on the signing input and signature bytes (DER for ES256), prepared beforehand. */
function rawRate(alg: Alg, tokens: string[]): Rate {
  const key = keys[alg].pair.publicKey;
  const inputs = tokens.map((t) => {
    const [h, p, s] = t.split('.');
    const signature = Buffer.from(s!, 'base64url');
    return { data: Buffer.from(`${h}.${p}`), signature: alg === 'ES256' ? p1363ToDer(signature, 32)! : signature };
  });
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() < start + seconds * 1000) {
    const { data, signature } = inputs[done++ % inputs.length]!;
    if (!verify('sha256', data, key, signature)) throw new Error('raw verify failed');
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: (done * 1000) / (performance.now() - start), cpuMicros: (used.user + used.system) / done };
}

const median = (xs: Rate[]): Rate => {
  const sorted = [...xs].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const fmt = (r: Rate) => `${Math.round(r.perSecond).toLocaleString('en-US')}/s (${r.cpuMicros.toFixed(1)} µs CPU)`;

console.log(`Node ${process.version}, ${process.arch}, ${seconds} s per run, median of ${rounds} rounds (old and new alternating)\n`);
console.log('| alg | in flight | jose jwtVerify (before) | createJwtVerify (after) | after / before | node:crypto verify() alone |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const alg of Object.keys(keys) as Alg[]) {
  const tokens = tokensFor(alg);
  // Both paths must agree on these tokens before they are timed.
  for (const t of tokens.slice(0, 8)) {
    const [a, b] = [await jwtVerify(t, getKey, options), await syncVerify(t)];
    if (JSON.stringify(a.payload) !== JSON.stringify(b.payload)) throw new Error('paths disagree');
  }
  await rate(tokens, (t) => jwtVerify(t, getKey, options), 64); // warm-up
  await rate(tokens, syncVerify, 64);
  const raw = median(Array.from({ length: rounds }, () => rawRate(alg, tokens)));
  for (const inFlight of [1, 64]) {
    const before: Rate[] = [];
    const after: Rate[] = [];
    for (let r = 0; r < rounds; r++) {
      before.push(await rate(tokens, (t) => jwtVerify(t, getKey, options), inFlight));
      after.push(await rate(tokens, syncVerify, inFlight));
    }
    const [b, a] = [median(before), median(after)];
    console.log(`| ${alg} | ${inFlight} | ${fmt(b)} | ${fmt(a)} | ${(a.perSecond / b.perSecond).toFixed(2)}× | ${fmt(raw)} |`);
  }
}
