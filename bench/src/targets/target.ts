import type { Child } from '../lib/child.ts';

export type TargetName = 'sidecar' | 'opa' | 'bare';
export const TARGETS: readonly TargetName[] = ['sidecar', 'opa', 'bare'];

/** The request every scenario asks about: allowed for every bench subject (role `orders-viewer`). */
export const REQUEST = { method: 'GET', path: '/api/orders/42' } as const;

/** A running process under test. */
export interface Target {
  readonly name: TargetName;
  readonly url: string;
  readonly pid: number;
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
  readonly cpu: string | undefined;
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
