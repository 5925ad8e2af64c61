import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the request path whose one label takes values from a set fixed up
 * front (results, stages, cache outcomes). Why not prom-client's own: its `observe` hashes labels
 * and walks its bookkeeping on every call (~600 ns per histogram observation, measured by
 * bench/metrics-cost.ts); here a child is a few array slots and an observation is a bucket search and
 * two additions. They register into a prom-client Registry like any metric, so the text format and
 * cluster aggregation stay prom-client's.
 */
interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

interface Spec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelName: string;
  readonly labelValues: readonly L[];
  readonly registry: Registry;
}

export function fixedLabelCounter<L extends string>(spec: Spec<L>): Record<L, { inc(by?: number): void }> {
  const counts = new Map<L, { n: number }>(spec.labelValues.map((v) => [v, { n: 0 }]));
  register(spec, 'counter', () => spec.labelValues.map((v) => ({ value: counts.get(v)!.n, labels: { [spec.labelName]: v } })));
  const children = {} as Record<L, { inc(by?: number): void }>;
  for (const v of spec.labelValues) {
    const slot = counts.get(v)!;
    children[v] = {
      inc(by = 1) {
        slot.n += by;
      },
    };
  }
  return children;
}

export function fixedLabelHistogram<L extends string>(spec: Spec<L> & { readonly buckets: readonly number[] }): Record<L, { observe(value: number): void }> {
  const buckets = [...spec.buckets].sort((a, b) => a - b);
  const slots = new Map<L, { counts: Float64Array; sum: number; count: number }>(
    spec.labelValues.map((v) => [v, { counts: new Float64Array(buckets.length), sum: 0, count: 0 }]),
  );
  register(spec, 'histogram', () => {
    const values: MetricValue[] = [];
    for (const v of spec.labelValues) {
      const s = slots.get(v)!;
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, labels: { le: buckets[i]!, [spec.labelName]: v }, metricName: `${spec.name}_bucket` });
      }
      values.push({ value: s.count, labels: { le: '+Inf', [spec.labelName]: v }, metricName: `${spec.name}_bucket` });
      values.push({ value: s.sum, labels: { [spec.labelName]: v }, metricName: `${spec.name}_sum` });
      values.push({ value: s.count, labels: { [spec.labelName]: v }, metricName: `${spec.name}_count` });
    }
    return values;
  });
  const children = {} as Record<L, { observe(value: number): void }>;
  for (const v of spec.labelValues) {
    const s = slots.get(v)!;
    children[v] = {
      observe(value) {
        let i = 0;
        while (i < buckets.length && value > buckets[i]!) i++;
        if (i < buckets.length) s.counts[i]!++;
        s.sum += value;
        s.count++;
      },
    };
  }
  return children;
}

function register(spec: Spec<string>, type: 'counter' | 'histogram', values: () => MetricValue[]): void {
  const metric = {
    name: spec.name,
    help: spec.help,
    type,
    aggregator: 'sum',
    get: async () => ({ name: spec.name, help: spec.help, type, aggregator: 'sum', values: values() }),
    reset() {},
  };
  spec.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
