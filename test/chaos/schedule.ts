import { FAULTS, HEALTHY, type PhaseSpec } from './phases.ts';
import type { Rng } from './rng.ts';

export interface PlannedPhase {
  readonly spec: PhaseSpec;
  /** Offset from the start of the run, ms. */
  readonly at: number;
  readonly durationMs: number;
}

/**
 * The run's schedule: a healthy warm-up, then every fault once (order drawn from the seed), each
 * followed by a healthy phase; durations share the run equally, each moved by up to ±25 % (jitter),
 * then scaled so the whole schedule takes exactly `durationMs`. Longer runs repeat the list.
 */
export function planSchedule(rng: Rng, durationMs: number, faults: readonly PhaseSpec[] = FAULTS, minFaultMs = 4000): PlannedPhase[] {
  const rounds = Math.max(1, Math.floor(durationMs / ((2 * faults.length + 1) * 60_000)));
  const specs: PhaseSpec[] = [HEALTHY];
  for (let r = 0; r < rounds; r++) for (const f of rng.shuffle(faults)) specs.push(f, HEALTHY);
  const raw = specs.map(() => rng.jitter(1, 0.25));
  const scale = durationMs / raw.reduce((a, b) => a + b, 0);
  let at = 0;
  return specs.map((spec, i) => {
    const d = Math.max(minFaultMs, Math.round(raw[i]! * scale));
    const p = { spec, at, durationMs: d };
    at += d;
    return p;
  });
}

/** "30m", "300s", "2m30s", "90000" (ms) -> ms. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') throw new TypeError(`--duration: expected for example 30m, 300s or 2m30s, got '${text}'`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
