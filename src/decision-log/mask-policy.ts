import type { PolicyEngine } from '../policy/policy-engine.ts';
import type { MaskPolicy } from './mask-event.ts';

/** OPA's mask rule path; a bundle has it when a module in package `system.log` defines `mask`. */
const MASK_ENTRYPOINT = 'system/log/mask';

const cache = new WeakMap<PolicyEngine, MaskPolicy | null>();

/**
 * The bundle's `data.system.log.mask`, when the bundle was built with that entrypoint
 * (scripts/build-policies.sh adds it for any policy directory with `package system.log`);
 * undefined otherwise. Evaluated later, off the request path, by the decision logger, with the
 * engine that made the decision even if a reload has replaced it since.
 */
export function maskPolicyOf(engine: PolicyEngine): MaskPolicy | undefined {
  let policy = cache.get(engine);
  if (policy === undefined) {
    policy = engine.entrypoints.includes(MASK_ENTRYPOINT) ? (event: unknown) => engine.evaluate(event, MASK_ENTRYPOINT) : null;
    cache.set(engine, policy);
  }
  return policy ?? undefined;
}
