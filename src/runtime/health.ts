import type { HealthAnswer, HealthQuery } from '../http/http-api.ts';
import type { Component, ComponentStatus } from '../lib/component.ts';

/** Every component's statuses, by name, in the order given. */
function statusesOf(components: readonly Component[]): Record<string, ComponentStatus> {
  return Object.assign({}, ...components.map((c) => c.status())) as Record<string, ComponentStatus>;
}

/** The first reason a component gives for not being ready, or undefined when none is NOT_READY. */
export function whyNotReady(components: readonly Component[]): string | undefined {
  for (const c of components) {
    for (const s of Object.values(c.status())) if (s.state === 'NOT_READY') return s.message ?? 'not ready';
  }
  return undefined;
}

/**
 * `GET /health` as OPA answers it (server.go unversionedGetHealth): healthy while serving;
 * with `bundles`, not until a bundle was activated (later downloads do not matter); with
 * `plugins`, not while any component, less the excluded ones, is other than OK.
 */
export function healthOf(components: readonly Component[], bundles: { readonly activated: boolean; readonly bundleName: string }, q: HealthQuery): HealthAnswer {
  if (q.bundles && !bundles.activated) return { healthy: false, error: `one or more bundles are not activated: ${bundles.bundleName}` };
  if (!q.plugins) return { healthy: true };
  const failing = Object.entries(statusesOf(components)).filter(([name, s]) => s.state !== 'OK' && !q.exclude.includes(name));
  if (failing.length === 0) return { healthy: true };
  return { healthy: false, error: `one or more plugins are not up: ${failing.map(([name, s]) => `${name} (${s.state})`).join(', ')}`, plugins: Object.fromEntries(failing) };
}

/** `GET /v1/status`'s result: each component's sections (`bundles`, `decision_logs`) and every status under `plugins`, as OPA's status API. */
export function statusReportOf(components: readonly Component[]): Record<string, unknown> {
  const sections = Object.assign({}, ...components.map((c) => c.statusSections?.() ?? {})) as Record<string, unknown>;
  return { ...sections, plugins: statusesOf(components) };
}
