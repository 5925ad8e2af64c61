/** A small seeded PRNG (mulberry32), so a run with a given seed is reproducible. */
export function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n: number): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % Math.max(1, n);
  };
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x2e, 0x2f, 0x25, 0x7b, 0x7d, 0x22, 0x5c, 0x3b, 0x3f, 0x20, 0x0a];

export interface MutateContext {
  readonly rand: (n: number) => number;
  readonly dictionary: readonly Buffer[];
  /** Another corpus entry to splice with. */
  readonly other: () => Buffer;
  readonly maxLen: number;
}

type Mutator = (b: number[], c: MutateContext) => void;

/**
 * libFuzzer's kinds of mutation on bytes: flip a bit, set a random or an "interesting" byte,
 * insert or erase bytes, copy a range onto another place, insert or overwrite a dictionary
 * token, and cross over with another corpus entry.
 */
const MUTATORS: readonly Mutator[] = [
  (b, c) => {
    if (b.length) b[c.rand(b.length)]! ^= 1 << c.rand(8);
  },
  (b, c) => {
    if (b.length) b[c.rand(b.length)] = c.rand(256);
  },
  (b, c) => {
    if (b.length) b[c.rand(b.length)] = INTERESTING[c.rand(INTERESTING.length)]!;
  },
  (b, c) => {
    b.splice(c.rand(b.length + 1), 0, c.rand(256));
  },
  (b, c) => {
    if (b.length) b.splice(c.rand(b.length), 1 + c.rand(Math.min(8, b.length)));
  },
  (b, c) => {
    if (!b.length) return;
    const from = c.rand(b.length);
    const piece = b.slice(from, from + 1 + c.rand(16));
    b.splice(c.rand(b.length + 1), 0, ...piece);
  },
  (b, c) => {
    if (c.dictionary.length) b.splice(c.rand(b.length + 1), 0, ...c.dictionary[c.rand(c.dictionary.length)]!);
  },
  (b, c) => {
    if (!c.dictionary.length) return;
    const token = c.dictionary[c.rand(c.dictionary.length)]!;
    const at = c.rand(b.length + 1);
    b.splice(at, Math.min(token.length, b.length - at), ...token);
  },
  (b, c) => {
    const o = c.other();
    const cut = c.rand(b.length + 1);
    const from = c.rand(o.length + 1);
    b.splice(cut, b.length - cut, ...o.subarray(from));
  },
  (b, c) => {
    const o = c.other();
    if (!o.length) return;
    const from = c.rand(o.length);
    b.splice(c.rand(b.length + 1), 0, ...o.subarray(from, from + 1 + c.rand(32)));
  },
];

/** One to five stacked mutations of `input`, cut to maxLen. */
export function mutate(input: Buffer, c: MutateContext): Buffer {
  const b = [...input];
  const n = 1 + c.rand(5);
  for (let i = 0; i < n; i++) MUTATORS[c.rand(MUTATORS.length)]!(b, c);
  return Buffer.from(b.length > c.maxLen ? b.slice(0, c.maxLen) : b);
}
