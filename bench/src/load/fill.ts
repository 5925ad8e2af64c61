import { Agent, request } from 'node:http';
import { OPA_DECISION_PATH } from '../targets/opa.ts';
import { REQUEST } from '../targets/target.ts';

export interface FillResult {
  readonly sent: number;
  readonly failed: number;
  /** Failed requests by kind: `<status> <code>` (the answer's JSON `code`, when it has one) or the socket error's code. */
  readonly kinds: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/**
 * The fill's order when the measured run rotates over every `stride`-th token of the same set: the others
 * first, the measured sample last. A million-subject fill takes longer than the claims TTL (300 s by default),
 * so a sample filled first had expired when it was measured, and every measured request called userinfo:
 * that is the cold-claims scenario, not a million cached subjects. Filled last, the sample is measured within
 * its TTLs, as in a steady rotation that comes back to each subject within them.
 */
export function sampleLast<T>(tokens: readonly T[], stride: number | undefined): T[] {
  if (!stride || stride <= 1) return [...tokens];
  return [...tokens.filter((_, i) => i % stride !== 0), ...tokens.filter((_, i) => i % stride === 0)];
}

/**
 * Sends one request per token, `concurrency` at a time over keep-alive connections: fills a
 * target's caches with many distinct subjects (the memory scenario). Speed is not measured here.
 */
export async function fill(url: string, wire: 'sidecar' | 'opa' | 'grpc', tokens: readonly string[], concurrency = 32): Promise<FillResult> {
  if (wire === 'grpc') throw new Error('filling the caches over gRPC is not implemented (no scenario needs it)');
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const { hostname, port } = new URL(url);
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const kinds: Record<string, number> = {};
  const count = (kind: string): void => {
    failed++;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  };
  const one = (token: string): Promise<void> =>
    new Promise((resolve) => {
      const body = wire === 'opa' ? JSON.stringify({ input: { token, ...REQUEST } }) : JSON.stringify(REQUEST);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      if (wire === 'sidecar') headers['authorization'] = `Bearer ${token}`;
      const req = request({ hostname, port, agent, method: 'POST', path: wire === 'opa' ? OPA_DECISION_PATH : '/authorize', headers }, (res) => {
        if (res.statusCode === 200) {
          res.resume();
          res.on('end', resolve);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          count(`${res.statusCode} ${codeOf(Buffer.concat(chunks).toString('utf8'))}`.trim());
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        count(err.code ?? err.message);
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) await one(tokens[next++]!);
    }),
  );
  agent.destroy();
  return { sent: tokens.length, failed, kinds, seconds: (performance.now() - started) / 1000 };
}

/** The `code` of a JSON error answer (the sidecar's and OPA's), or ''. */
function codeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}
