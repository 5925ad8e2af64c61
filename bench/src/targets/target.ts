import type { Child } from '../lib/child.ts';

/**
 * `sidecar-1-worker`: the sidecar in its default configuration (one process) on one core, beside a
 * `sidecar` that a scenario runs with more workers (hot-workers-2), so both are measured in one run.
 */
export type TargetName = 'sidecar' | 'sidecar-1-worker' | 'opa' | 'bare';
export const TARGETS: readonly TargetName[] = ['sidecar', 'sidecar-1-worker', 'opa', 'bare'];

/** The request every scenario asks about: allowed for every bench subject (role `orders-viewer`). */
export const REQUEST = { method: 'GET', path: '/api/orders/42' } as const;

/** A running process under test. */
export interface Target {
  readonly name: TargetName;
  readonly url: string;
  /** The process the harness started; in cluster mode the primary, whose workers are its children. */
  readonly pid: number;
  /** The cores it may run on (a taskset list), or undefined when nothing is pinned. */
  readonly cpus: string | undefined;
  /** How the load generator phrases a request: the sidecar's API, OPA's `POST /v1/data/...`, or ext_authz gRPC. */
  readonly wire: 'sidecar' | 'opa' | 'grpc';
  /** One decision for REQUEST with `token`; throws on any non-200 answer. */
  decide(token: string): Promise<boolean>;
  /** Stops the process gracefully; returns what it reported on the way out (e.g. decisions dropped). */
  stop(): Promise<Record<string, unknown>>;
  readonly child: Child;
}

export interface StartOptions {
  /** The repository root (the sidecar runs from there, as `node bin/authz-sidecar.js serve`). */
  readonly root: string;
  readonly port: number;
  readonly issuer: string;
  readonly audience: string;
  /** Scratch directory of this target instance (config, logs, decision log). */
  readonly dir: string;
  /** The cores it may run on (a taskset list such as `1` or `0-1`), or undefined: not pinned. */
  readonly cpu: string | undefined;
  /** The name it is reported under (sidecar only: `sidecar-1-worker` beside a cluster). */
  readonly name?: TargetName | undefined;
  /** AUTHZ_WORKERS (sidecar only); unset keeps the default configuration (one process). */
  readonly workers?: number | undefined;
  /** Extra Node flags for the sidecar (experiments: `--sidecar-node-args "--single-threaded-gc"`). */
  readonly nodeArgs?: readonly string[];
  /** Serve and be measured over Envoy's ext_authz gRPC on this port (sidecar only). */
  readonly grpcPort?: number | undefined;
  /** Keys added to the sidecar's configuration file (a scenario's cache sizing; sidecar only). */
  readonly config?: Record<string, unknown> | undefined;
  /** Write a V8 CPU profile here on exit (sidecar only). */
  readonly cpuProfile?: { dir: string; name: string } | undefined;
}

export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
