/**
 * The sections of `GET /v1/status`. Each component registers a section under a stable name
 * (`bundles` today; decision-log counters and the claims cache can add theirs) with a function
 * that returns a JSON-ready snapshot; the route only assembles them.
 *
 * @example
 * status.register('decision_logs', () => ({ written: log.stats.written, dropped: log.stats.dropped }));
 */
export interface StatusRegistry {
  register(section: string, snapshot: () => unknown): void;
  /** Every section, in registration order. A section that throws reports `{error}` instead. */
  snapshot(): Record<string, unknown>;
}

export function createStatusRegistry(): StatusRegistry {
  const sections = new Map<string, () => unknown>();
  return {
    register(section, snapshot) {
      if (sections.has(section)) throw new TypeError(`status section '${section}' is already registered`);
      sections.set(section, snapshot);
    },
    snapshot() {
      const out: Record<string, unknown> = {};
      for (const [name, fn] of sections) {
        try {
          out[name] = fn();
        } catch (err) {
          out[name] = { error: (err as Error).message };
        }
      }
      return out;
    },
  };
}
