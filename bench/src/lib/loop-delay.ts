/**
 * The sidecar's event-loop delay since the previous call, from its own /metrics: prom-client's
 * default metrics read perf_hooks.monitorEventLoopDelay (10 ms resolution) and reset the histogram
 * at each scrape, so one call before a run and one after give that run's p99 and longest delay.
 * Also its GC pauses so far (`nodejs_gc_duration_seconds`, cumulative; see gcPausesBetween).
 * No bench-only code in the sidecar: what is read here is what Prometheus would read.
 */
export interface LoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly minMs: number;
  /** Per GC kind: the cumulative count at or under each bucket bound (ms), `Infinity` for all of them. */
  readonly gc: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

export async function loopDelay(url: string): Promise<LoopDelay> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    if (!m) throw new Error(`the sidecar's /metrics has no ${name}`);
    return Number((Number(m[1]) * 1000).toFixed(2));
  };
  const gc = new Map<string, Map<number, number>>();
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_bucket\{([^}]*)\} ([0-9.eE+-]+)$/gm)) {
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
    const kind = /kind="([^"]+)"/.exec(m[1]!)?.[1];
    if (le === undefined || kind === undefined) continue;
    const byBound = gc.get(kind) ?? gc.set(kind, new Map()).get(kind)!;
    byBound.set(le === '+Inf' ? Infinity : Number(le) * 1000, Number(m[2]));
  }
  return { p99Ms: read('nodejs_eventloop_lag_p99_seconds'), maxMs: read('nodejs_eventloop_lag_max_seconds'), minMs: read('nodejs_eventloop_lag_min_seconds'), gc };
}

/**
 * The GC pauses between two readings: how many took longer than `overMs` (a bucket bound), and the
 * smallest bucket bound the longest one fits under (Infinity past the last bound), over every kind.
 */
export function gcPausesBetween(before: LoopDelay, after: LoopDelay, overMs: number): { pauses: number; over: number; longestAtMostMs: number } {
  let pauses = 0;
  let over = 0;
  let longest = 0;
  for (const [kind, bounds] of after.gc) {
    const was = before.gc.get(kind);
    const delta = (le: number): number => (bounds.get(le) ?? 0) - (was?.get(le) ?? 0);
    const all = delta(Infinity);
    pauses += all;
    if (!bounds.has(overMs)) throw new Error(`nodejs_gc_duration_seconds has no ${overMs} ms bucket`);
    over += all - delta(overMs);
    if (all === 0) continue;
    const fits = [...bounds.keys()].sort((a, b) => a - b).find((le) => delta(le) === all) ?? Infinity;
    longest = Math.max(longest, fits);
  }
  return { pauses, over, longestAtMostMs: longest };
}
