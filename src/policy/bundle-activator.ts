import { toSidecarError, type SidecarError } from '../errors/sidecar-error.ts';
import type { PolicyEngine } from './policy-engine.ts';

export interface ActivationStatus {
  readonly activeRevision: string | undefined;
  /** Where the active bundle came from: `file`, `download` or `persisted`. */
  readonly activeOrigin: string | undefined;
  readonly lastSuccessfulActivation: string | undefined;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | undefined;
  readonly activations: number;
  readonly rejections: number;
}

export interface BundleActivator {
  /** The engine in service, or undefined before the first successful activation. */
  readonly engine: PolicyEngine | undefined;
  readonly status: ActivationStatus;
  /**
   * Builds an engine from archive bytes and swaps it in by one assignment; on any failure the
   * engine in service stays and the error is returned (and recorded). Activations run one at a
   * time, in call order.
   */
  activate(origin: string, build: () => Promise<PolicyEngine>): Promise<SidecarError | undefined>;
}

export interface ActivatorHooks {
  readonly onActivated?: (revision: string, origin: string) => void;
  readonly onRejected?: (err: SidecarError, origin: string) => void;
}

export function createBundleActivator(hooks: ActivatorHooks = {}): BundleActivator {
  let engine: PolicyEngine | undefined;
  let activeOrigin: string | undefined;
  let lastSuccessfulActivation: string | undefined;
  let lastError: ActivationStatus['lastError'];
  let activations = 0;
  let rejections = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const run = async (origin: string, build: () => Promise<PolicyEngine>): Promise<SidecarError | undefined> => {
    try {
      const next = await build();
      engine = next;
      activeOrigin = origin;
      lastSuccessfulActivation = new Date().toISOString();
      lastError = undefined;
      activations++;
      hooks.onActivated?.(next.revision, origin);
      return undefined;
    } catch (err) {
      const e = toSidecarError(err, 'bundle_error');
      lastError = { code: e.code, message: e.message, at: new Date().toISOString() };
      rejections++;
      hooks.onRejected?.(e, origin);
      return e;
    }
  };

  return {
    get engine() {
      return engine;
    },
    get status() {
      return { activeRevision: engine?.revision, activeOrigin, lastSuccessfulActivation, lastError, activations, rejections };
    },
    activate(origin, build) {
      const result = queue.then(() => run(origin, build));
      queue = result;
      return result;
    },
  };
}
