import { ShardedMap, hashedKeyShard } from './sharded-map.ts';

/** What an entry of an LruIndex carries: its key, and its neighbours in use order (managed by the index). */
export class LruEntry {
  readonly key: string;
  /** Used just before this one (towards the least recently used end). */
  older: LruEntry | undefined = undefined;
  newer: LruEntry | undefined = undefined;

  constructor(key: string) {
    this.key = key;
  }
}

/**
 * Entries by key, in least-recently-used order, for the caches that hold one entry per token or subject
 * (src/token/verified-token-cache.ts, src/claims/claims-cache.ts). The order is a list through the entries
 * themselves, so a hit moves two links instead of deleting and re-adding its key: with a plain Map as the
 * order, every hit left a hole that made the table grow to several times its entries, and filling the holes
 * rehashed the whole table at once (100 ms and more at a million keys: scripts/measure-subject-gc.ts). Keys
 * end in a hash (hashedKeyShard). Not safe against changing an entry's key.
 */
export class LruIndex<E extends LruEntry> {
  readonly #byKey = new ShardedMap<E>(hashedKeyShard);
  #oldest: E | undefined = undefined;
  #newest: E | undefined = undefined;
  /** Where the next walk() starts; moved on when that entry is removed or used. */
  #cursor: E | undefined = undefined;

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): E | undefined {
    return this.#byKey.get(key);
  }

  /** The least recently used entry. */
  oldest(): E | undefined {
    return this.#oldest;
  }

  /** Adds `entry` as the most recently used; an entry under the same key is removed first. */
  add(entry: E): void {
    const old = this.#byKey.get(entry.key);
    if (old !== undefined) this.remove(old);
    this.#byKey.set(entry.key, entry);
    this.#append(entry);
  }

  /** Marks `entry` (held by the index) the most recently used. */
  use(entry: E): void {
    if (this.#newest === entry) return;
    this.#unlink(entry);
    this.#append(entry);
  }

  /** Removes `entry` if the index holds it. */
  remove(entry: E): void {
    if (this.#byKey.get(entry.key) !== entry) return;
    this.#byKey.delete(entry.key);
    this.#unlink(entry);
  }

  /**
   * Calls `visit` on up to `limit` entries, going on from where the last walk stopped, oldest first, and
   * starting over once the newest was reached. `visit` may remove the entry it is given.
   */
  walk(limit: number, visit: (entry: E) => void): void {
    for (let n = 0; n < limit; n++) {
      const e = this.#cursor ?? (n === 0 ? this.#oldest : undefined);
      if (e === undefined) {
        this.#cursor = undefined;
        return;
      }
      this.#cursor = e.newer as E | undefined;
      visit(e);
      if (this.#cursor === undefined) return; // reached the newest: the next walk starts over
    }
  }

  /** Every entry, oldest first; `f` may remove the entry it is given. */
  forEach(f: (entry: E) => void): void {
    for (let e = this.#oldest; e !== undefined; ) {
      const next = e.newer as E | undefined;
      f(e);
      e = next;
    }
  }

  clear(): void {
    this.#byKey.clear();
    this.#oldest = this.#newest = this.#cursor = undefined;
  }

  #append(entry: E): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: E): void {
    if (this.#cursor === entry) this.#cursor = entry.newer as E | undefined;
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer as E | undefined;
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else this.#newest = entry.older as E | undefined;
    entry.older = entry.newer = undefined;
  }
}
