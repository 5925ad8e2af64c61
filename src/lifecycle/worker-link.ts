import { AggregatorRegistry } from 'prom-client';
import type { MetricsSource } from '../http/http-api.ts';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.ts';
import type { RelayedWrite } from './primary-decision-log.ts';

/** Messages between the cluster primary and its workers (`authz` tells them from prom-client's). */
export type PrimaryMessage =
  | { readonly authz: 'shutdown' }
  | { readonly authz: 'reload' }
  | { readonly authz: 'metrics-res'; readonly id: number; readonly text?: string; readonly error?: string }
  | ({ readonly authz: 'log-ack'; readonly id: number } & RelayedWrite)
  | { readonly authz: 'log-nack'; readonly id: number; readonly error: string };
export type WorkerMessage =
  | { readonly authz: 'ready' }
  | { readonly authz: 'draining' }
  | { readonly authz: 'metrics-req'; readonly id: number }
  | { readonly authz: 'log-write'; readonly id: number; readonly lines: readonly string[] };

export interface WorkerLink {
  /** `GET /metrics` on a worker answers the sum over all workers, asked from the primary. */
  readonly metricsSource: MetricsSource;
  send(message: WorkerMessage): void;
  /** Hands decision-log lines to the primary, which owns the file and its chain (relay-decision-log.ts). */
  writeDecisionLog(lines: readonly string[]): Promise<RelayedWrite>;
  /** Calls back on the primary's shutdown and reload requests, and stops when the primary is gone. */
  onCommand(handlers: { shutdown(): void; reload(): void }): void;
  close(): void;
}

/**
 * The worker's side of cluster mode: its registry is offered to the primary's prom-client
 * AggregatorRegistry, and its scrapes are answered with the whole cluster's metrics.
 */
export function linkWorker(metrics: SidecarMetrics, timeoutMs = 5000): WorkerLink {
  AggregatorRegistry.setRegistries([metrics.registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side responder
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 0;
  // No timeout: the primary answers every write once its file sink did it; a gone primary rejects all.
  const logWrites = new Map<number, { resolve(r: RelayedWrite): void; reject(err: Error): void }>();
  let nextLogId = 0;
  let handlers: { shutdown(): void; reload(): void } | undefined;
  let shutdownEarly = false; // a shutdown that arrived while the worker was still starting
  const onMessage = (msg: PrimaryMessage): void => {
    if (msg === null || typeof msg !== 'object' || !('authz' in msg)) return;
    if (msg.authz === 'metrics-res') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.text !== undefined) p.resolve(msg.text);
      else p.reject(new Error(msg.error ?? 'no metrics from the primary'));
    } else if (msg.authz === 'log-ack' || msg.authz === 'log-nack') {
      const w = logWrites.get(msg.id);
      if (!w) return;
      logWrites.delete(msg.id);
      if (msg.authz === 'log-ack') w.resolve(msg);
      else w.reject(new Error(msg.error));
    } else if (msg.authz === 'shutdown') {
      if (handlers) handlers.shutdown();
      else shutdownEarly = true;
    }
    else if (msg.authz === 'reload') handlers?.reload();
  };
  const onDisconnect = (): void => {
    for (const w of logWrites.values()) w.reject(new Error('the cluster primary is gone'));
    logWrites.clear();
    if (handlers) handlers.shutdown();
    else shutdownEarly = true;
  };
  process.on('message', onMessage);
  process.on('disconnect', onDisconnect);
  const send = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message);
  };
  return {
    metricsSource: {
      contentType: metrics.contentType,
      scrape: () =>
        new Promise<string>((resolve, reject) => {
          const id = nextId++;
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error('the cluster primary did not answer for metrics'));
          }, timeoutMs);
          pending.set(id, { resolve, reject, timer });
          send({ authz: 'metrics-req', id });
        }),
    },
    send,
    writeDecisionLog(lines) {
      if (!process.connected) return Promise.reject(new Error('the cluster primary is gone'));
      return new Promise<RelayedWrite>((resolve, reject) => {
        const id = nextLogId++;
        logWrites.set(id, { resolve, reject });
        process.send?.({ authz: 'log-write', id, lines } satisfies WorkerMessage, undefined, undefined, (err: Error | null) => {
          if (err && logWrites.delete(id)) reject(err);
        });
      });
    },
    onCommand(h) {
      handlers = h;
      if (shutdownEarly) h.shutdown();
    },
    close() {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      for (const p of pending.values()) clearTimeout(p.timer);
      if (process.connected) process.disconnect();
    },
  };
}
