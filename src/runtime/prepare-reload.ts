import type { Component } from '../lib/component.ts';
import { buildGeneration, type Generation } from './generation.ts';
import { whyNotReady } from './health.ts';
import { planReload } from './plan-reload.ts';
import type { Services } from './services.ts';
import type { Settings } from './settings.ts';

export type Prepared =
  | { readonly ok: true; readonly changed: readonly string[]; readonly next: Generation | undefined }
  | { readonly ok: false; readonly error: string };

/**
 * The first half of a reload: plans it against the generation in service, builds the next
 * generation (keeping the components whose section did not change) and starts its new
 * components. The next generation comes back only when it can serve: a key that needs a restart,
 * a decision log that does not open or a bundle that does not load refuses the whole reload,
 * and whatever was started for it is stopped again. `next` is undefined when nothing changed.
 */
export async function prepareReload(running: Generation, settings: Settings, services: Services, shared: () => readonly Component[]): Promise<Prepared> {
  const plan = planReload(running.config, settings.config);
  if (plan.needRestart.length > 0) return { ok: false, error: `these keys change only with a restart: ${plan.needRestart.join(', ')}` };
  if (plan.changed.length === 0) return { ok: true, changed: [], next: undefined };
  const next = buildGeneration(settings, services, { previous: running, changed: plan.changed, shared });
  const fresh = freshComponents(running, next);
  const refuse = async (error: string): Promise<Prepared> => {
    await discard(running, next);
    return { ok: false, error };
  };
  try {
    for (const c of fresh) await c.start();
  } catch (err) {
    return refuse((err as Error).message);
  }
  if (fresh.includes(next.bundles)) {
    await next.bundles.settled();
    if (!next.bundles.activated) return refuse(`the new policy bundle does not load: ${whyNotReady([next.bundles])}`);
  }
  return { ok: true, changed: plan.changed, next };
}

/** The components of `next` that `running` does not have: started for the reload, stopped if it is refused. */
function freshComponents(running: Generation, next: Generation): Component[] {
  return next.components.filter((c) => !running.components.includes(c));
}

/** Stops what a refused reload started, newest first. */
export async function discard(running: Generation, next: Generation): Promise<void> {
  for (const c of freshComponents(running, next).reverse()) await c.stop();
}
