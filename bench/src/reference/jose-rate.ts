/**
 * The reference for the cold-token target: how many RS256 tokens jose's jwtVerify checks per second
 * on this machine, run pinned to the target's core with the sidecar's own verify options.
 *
 *   node jose-rate.ts <public-jwk.json> <tokens-file> <issuer> <audience> [seconds]
 *
 * Prints JSON: sequential rate, rate with 64 verifications in flight, and raw node:crypto RSA
 * verification for scale. jose caches nothing, so cycling over the token list is harmless.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [jwkFile, tokensFile, issuer, audience, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? '3');
const jwk = JSON.parse(readFileSync(jwkFile!, 'utf8')) as Record<string, unknown>;
const tokens = readFileSync(tokensFile!, 'utf8').split('\n').filter(Boolean);
const keys = createLocalJWKSet({ keys: [{ ...jwk, use: 'sig', alg: 'RS256' } as never] });
// The options src/token/verify-token.ts passes with the default configuration.
const options = {
  algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  issuer: issuer!,
  audience: [audience!],
  clockTolerance: 30,
  requiredClaims: ['exp', 'sub'],
};
let cursor = 0;
const nextToken = (): string => tokens[cursor++ % tokens.length]!;

async function rate(inFlight: number, forSeconds: number): Promise<number> {
  const end = performance.now() + forSeconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await jwtVerify(nextToken(), keys, options);
        done++;
      }
    }),
  );
  return done / forSeconds;
}

await rate(8, 0.5); // warm-up (JIT, key import)
const sequential = await rate(1, seconds / 2);
const concurrent = await rate(64, seconds);
const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
const [h, p, s] = tokens[0]!.split('.');
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s!, 'base64url');
let n = 0;
const end = performance.now() + 500;
while (performance.now() < end) {
  verify('sha256', data, publicKey, sig);
  n++;
}
process.stdout.write(
  `${JSON.stringify({
    jose_verify_per_s_sequential: Math.round(sequential),
    jose_verify_per_s_64_in_flight: Math.round(concurrent),
    node_crypto_rsa_verify_per_s: Math.round(n / 0.5),
  })}\n`,
);
