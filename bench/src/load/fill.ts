import { Agent, request } from 'node:http';
import { OPA_DECISION_PATH } from '../targets/opa.ts';
import { REQUEST } from '../targets/target.ts';

export interface FillResult {
  readonly sent: number;
  readonly failed: number;
  readonly seconds: number;
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
  const one = (token: string): Promise<void> =>
    new Promise((resolve) => {
      const body = wire === 'opa' ? JSON.stringify({ input: { token, ...REQUEST } }) : JSON.stringify(REQUEST);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      if (wire === 'sidecar') headers['authorization'] = `Bearer ${token}`;
      const req = request({ hostname, port, agent, method: 'POST', path: wire === 'opa' ? OPA_DECISION_PATH : '/authorize', headers }, (res) => {
        if (res.statusCode !== 200) failed++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        failed++;
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
  return { sent: tokens.length, failed, seconds: (performance.now() - started) / 1000 };
}
