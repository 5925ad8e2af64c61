/**
 * A Map split into SHARDS smaller Maps by a cheap function of the key. Why: V8 grows a Map, and compacts
 * the holes its deletions leave, by rehashing the whole table at once; at a million keys that one call held
 * the event loop for 100 ms and more (scripts/measure-subject-gc.ts, "longest decision"). A shard's table is
 * 1/SHARDS of that. Order across shards is not kept: callers that need an order keep it themselves
 * (src/lib/lru-index.ts).
 */
const SHARDS = 64;

const BASE64URL = new Uint8Array(128);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[c.charCodeAt(0)] = i;

/** Keys that end in a hash (base64url): the 6 bits of their second-to-last character (the last may carry fewer). */
export const hashedKeyShard = (key: string): number => BASE64URL[key.charCodeAt(key.length - 2) & 127]!;

/** Any string: FNV-1a over every character (subject ids end alike: `…@example.com"]`). */
export const anyKeyShard = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h & (SHARDS - 1);
};

export class ShardedMap<V> {
  readonly #shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map<string, V>());
  readonly #shardOf: (key: string) => number;
  #size = 0;

  constructor(shardOf: (key: string) => number) {
    this.#shardOf = shardOf;
  }

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#shards[this.#shardOf(key) | 0]!.get(key);
  }

  set(key: string, value: V): void {
    const shard = this.#shards[this.#shardOf(key) | 0]!;
    const before = shard.size;
    shard.set(key, value);
    this.#size += shard.size - before;
  }

  delete(key: string): boolean {
    const gone = this.#shards[this.#shardOf(key) | 0]!.delete(key);
    if (gone) this.#size--;
    return gone;
  }

  clear(): void {
    for (const s of this.#shards) s.clear();
    this.#size = 0;
  }
}
