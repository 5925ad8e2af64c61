import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from '../lib/child.ts';

/**
 * Worker processes that have bound the API listener, from the sidecar's process log (stderr, where
 * the cluster primary relays its workers' lines): distinct pids of `"msg":"listening"` lines.
 */
export function workersListening(log: string): number {
  const pids = new Set<number>();
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"listening"')) continue;
    try {
      const pid = (JSON.parse(line) as { pid?: unknown }).pid;
      if (typeof pid === 'number') pids.add(pid);
    } catch {
      // a line cut short while being written
    }
  }
  return pids.size;
}

/** `GET /ready` on a connection of its own (no keep-alive pool), so the cluster primary hands it to the next worker. */
function readyOnFreshConnection(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/ready`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
    });
    req.once('error', () => resolve(false));
    req.end();
  });
}

/**
 * In cluster mode each worker binds the listener and then becomes ready on its own, so one
 * `/ready` answer says nothing about the others: priming would meet a worker still answering 503.
 * Waits until `workers` workers listen, then until `2 × workers` fresh connections in a row are
 * answered ready: the primary hands connections to its free workers in turn (node:cluster's
 * round-robin scheduling, the default on Linux), so that run reaches every worker.
 */
export async function waitForWorkers(url: string, workers: number, stderrFile: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void child.exited.then((c) => (exited = c));
  let inRow = 0;
  while (inRow < 2 * workers) {
    if (exited !== undefined) throw new Error(`the sidecar exited (${exited}) before its ${workers} workers were ready`);
    if (Date.now() > deadline) throw new Error(`the sidecar's ${workers} workers were not all ready within ${timeoutMs} ms`);
    if (workersListening(readFileSync(stderrFile, 'utf8')) < workers) {
      await sleep(50);
      continue;
    }
    if (await readyOnFreshConnection(url)) inRow++;
    else {
      inRow = 0;
      await sleep(50);
    }
  }
}
