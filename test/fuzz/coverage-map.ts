import { Session } from 'node:inspector';

/**
 * V8 precise block coverage, turned into libFuzzer-style
 * features: (block, hit-count bucket). A block is a range V8 reports inside a function; V8 leaves
 * out a nested range whose count equals its parent's, so each known block's count is taken from
 * the innermost range reported around it. `take()` reads and resets the counters.
 *
 * Why this must start before the code under test loads: V8 only instruments functions compiled
 * after block coverage is on; a function compiled earlier reports one range (called or not).
 */
export class CoverageMap {
  readonly #session = new Session();
  readonly #blockIds = new Map<string, number>();
  /** Block id -> [url, start offset, end offset, id of the function's own block]. */
  readonly #blocks: [string, number, number, number][] = [];
  /** Per function (url + start offset): its known blocks as [start, end, id]. */
  readonly #functions = new Map<string, [number, number, number][]>();
  constructor() {
    this.#session.connect();
    this.#post('Profiler.enable');
    this.#post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /**
   * Features of what ran, in scripts whose URL starts with `urlPrefix`, since the last take;
   * the counters restart at zero. A feature is `block id * 8 + bucket`. Also marks in `reached`
   * (one byte per source character, per script URL) every character that ran.
   */
  take(urlPrefix: string, reached: Map<string, Uint8Array>): number[] {
    const result = this.#post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const features: number[] = [];
    for (const script of result.result) {
      if (!script.url.startsWith(urlPrefix)) continue;
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        if (ranges.length === 0 || ranges[0]!.count === 0) continue;
        const key = `${script.url}:${ranges[0]!.startOffset}`;
        let blocks = this.#functions.get(key);
        if (!blocks) this.#functions.set(key, (blocks = []));
        for (const r of ranges) {
          const name = `${key}:${r.startOffset}:${r.endOffset}`;
          if (!this.#blockIds.has(name)) {
            this.#blockIds.set(name, this.#blocks.length);
            blocks.push([r.startOffset, r.endOffset, this.#blocks.length]);
            this.#blocks.push([script.url, r.startOffset, r.endOffset, blocks[0]![2]]);
          }
        }
        markReached(reached, script.url, ranges);
        for (const [start, end, id] of blocks) {
          const count = innermostCount(ranges, start, end);
          if (count === 0) continue;
          features.push(id * 8 + bucket(count));
        }
      }
    }
    return features;
  }

  /** Where block `id` is, as `url:start:end`. */
  where(id: number): string {
    return this.#blocks[id]!.slice(0, 3).join(':');
  }

  /**
   * Blocks under `urlPrefix` that ran (any of their characters is marked in `reached`), and the
   * blocks of the functions that ran (reached or not), to give that count a scale. Computed from
   * characters, not from the features seen at each take, so that two runs compared against the
   * same block list are counted alike whichever of them first split a block from its parent.
   */
  blocksReached(reached: ReadonlyMap<string, Uint8Array>, urlPrefix: string): { reached: number[]; known: number[] } {
    const ran = this.#blocks.map(([url, start, end]) => url.startsWith(urlPrefix) && (reached.get(url)?.subarray(start, end).includes(1) ?? false));
    return {
      reached: ran.flatMap((r, id) => (r ? [id] : [])),
      known: this.#blocks.flatMap(([, , , fn], id) => (ran[fn] ? [id] : [])),
    };
  }

  close(): void {
    this.#post('Profiler.stopPreciseCoverage');
    this.#session.disconnect();
  }

  #post(method: string, params?: object): unknown {
    let out: unknown;
    let failure: Error | null = null;
    let done = false;
    this.#session.post(method, params as never, (err, res) => {
      failure = err;
      out = res;
      done = true;
    });
    // An in-process session answers synchronously; the fuzz loop relies on it.
    if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
    if (failure) throw failure;
    return out;
  }
}

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

type Range = { startOffset: number; endOffset: number; count: number };

/** V8 lists a function's ranges parents first, so painting them in order leaves the innermost count. */
function markReached(reached: Map<string, Uint8Array>, url: string, ranges: readonly Range[]): void {
  const fnStart = ranges[0]!.startOffset;
  const paint = new Uint8Array(ranges[0]!.endOffset - fnStart);
  for (const r of ranges) paint.fill(r.count > 0 ? 1 : 0, r.startOffset - fnStart, r.endOffset - fnStart);
  let bytes = reached.get(url);
  if (!bytes || bytes.length < ranges[0]!.endOffset) {
    const grown = new Uint8Array(Math.max(ranges[0]!.endOffset, bytes?.length ?? 0));
    if (bytes) grown.set(bytes);
    reached.set(url, (bytes = grown));
  }
  for (let i = 0; i < paint.length; i++) if (paint[i]) bytes[fnStart + i] = 1;
}

function innermostCount(ranges: readonly { startOffset: number; endOffset: number; count: number }[], start: number, end: number): number {
  let best = ranges[0]!;
  for (const r of ranges) {
    if (r.startOffset <= start && end <= r.endOffset && r.endOffset - r.startOffset <= best.endOffset - best.startOffset) best = r;
  }
  return best.count;
}

/** libFuzzer's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
function bucket(count: number): number {
  if (count <= 3) return count - 1;
  if (count < 8) return 3;
  if (count < 16) return 4;
  if (count < 32) return 5;
  return count < 128 ? 6 : 7;
}
