/* The explorer index's storage: typed-array columns (bytes per decision, no objects) and
   dictionaries that keep each distinct subject, request, reason... once. */

type Typed = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends Typed> = new (length: number) => T;

/** A typed array that grows by doubling while the index is built; `trim()` returns it at its final length. */
export class Column<T extends Typed> {
  #data: T;
  #n = 0;
  readonly #ctor: TypedCtor<T>;

  constructor(ctor: TypedCtor<T>, capacity = 1024) {
    this.#ctor = ctor;
    this.#data = new ctor(capacity);
  }

  push(v: number): void {
    if (this.#n === this.#data.length) {
      const next = new this.#ctor(this.#data.length * 2);
      next.set(this.#data as never);
      this.#data = next;
    }
    this.#data[this.#n++] = v;
  }

  get length(): number {
    return this.#n;
  }

  /** The values, in a copy of exactly their length (the doubling slack is released). */
  trim(): T {
    return this.#data.slice(0, this.#n) as T;
  }
}

/**
 * Distinct values by id, in order of first appearance. Id 0 is `none` (a decision without a
 * subject, an error code, a request...), so a column of ids needs no separate "absent" flag.
 */
export class Dictionary<V> {
  readonly #ids = new Map<string, number>();
  readonly #values: (V | undefined)[] = [undefined];
  readonly #keys: string[] = [''];

  readonly #make: (key: string, source: unknown) => V;

  /** `make` turns a new key (and what it was made from) into its value, once per distinct key. */
  constructor(make: (key: string, source: unknown) => V) {
    this.#make = make;
  }

  /** The id of `key`, added when new; undefined key → 0. */
  id(key: string | undefined, source?: unknown): number {
    if (key === undefined) return 0;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#values.length;
      this.#ids.set(key, id);
      this.#values.push(this.#make(key, source));
      this.#keys.push(key);
    }
    return id;
  }

  get size(): number {
    return this.#values.length;
  }

  value(id: number): V | undefined {
    return this.#values[id];
  }

  /** The text the value is known by (`METHOD /path` for a request); '' for none. */
  key(id: number): string {
    return this.#keys[id]!;
  }

  /** A byte per id: 1 where `test` accepts the value (none included, as undefined). */
  mask(test: (value: V | undefined) => boolean): Uint8Array {
    const m = new Uint8Array(this.#values.length);
    for (let id = 0; id < m.length; id++) m[id] = test(this.#values[id]) ? 1 : 0;
    return m;
  }

  /** Every key, id 0 excepted. */
  keys(): string[] {
    return this.#keys.slice(1);
  }
}
