/**
 * The one life cycle every long-lived part shares, as OPA's plugins do (plugins.Plugin:
 * Start, Stop, and a status of NOT_READY, OK, ERROR or WARN). The runtime (src/runtime/) starts
 * components in order, stops them in reverse, and answers `/ready`, `/health?plugins` and
 * `GET /v1/status` by looping over them; a reload builds new components and swaps them in whole.
 */
export type ComponentState = 'NOT_READY' | 'OK' | 'ERROR' | 'WARN';

export interface ComponentStatus {
  readonly state: ComponentState;
  /** Why the state is not OK (shown by `/ready`, `/health?plugins` and `GET /v1/status`). */
  readonly message?: string;
}

export interface Component {
  /** Names the component in the process log. */
  readonly name: string;
  /** Starts the component's own work (listening, polling, discovery); resolves once it can be used. */
  start(): Promise<void>;
  /** Stops it and releases what it holds (sockets, timers, pools); safe to call more than once. */
  stop(): Promise<void>;
  /**
   * One entry per part that reports on its own, keyed by a stable name (the names
   * `?exclude-plugin=` and `GET /v1/status`'s `plugins` use). Cheap: called on every `/ready`.
   */
  status(): Readonly<Record<string, ComponentStatus>>;
  /** Sections this component adds to `GET /v1/status` (for example `bundles`), when it has any. */
  statusSections?(): Readonly<Record<string, unknown>>;
}

export const OK: ComponentStatus = Object.freeze({ state: 'OK' });

/** A status that is not OK, with its reason. */
export function statusOf(state: Exclude<ComponentState, 'OK'>, message: string): ComponentStatus {
  return { state, message };
}
