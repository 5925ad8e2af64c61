/**
 * The sidecar's event-loop delay since the previous call, from its own /metrics: prom-client's
 * default metrics read perf_hooks.monitorEventLoopDelay (10 ms resolution) and reset the histogram
 * at each scrape, so one call before a run and one after give that run's p99 and longest delay.
 * No bench-only code in the sidecar: what is read here is what Prometheus would read.
 */
export async function loopDelay(url: string): Promise<{ p99Ms: number; maxMs: number; minMs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    if (!m) throw new Error(`the sidecar's /metrics has no ${name}`);
    return Number((Number(m[1]) * 1000).toFixed(2));
  };
  return { p99Ms: read('nodejs_eventloop_lag_p99_seconds'), maxMs: read('nodejs_eventloop_lag_max_seconds'), minMs: read('nodejs_eventloop_lag_min_seconds') };
}
