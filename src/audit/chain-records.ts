import { GENESIS_HASH, type ChainFields } from '../decision-log/hash-chain.ts';

const DIGEST = 32;
const GENESIS = Buffer.from(GENESIS_HASH, 'hex');

/**
 * The chain members of every record read, in reading order, stored compactly: about 100 bytes
 * per record (two binary digests, seq, where) instead of the hex strings of the lines, which kept
 * each whole line alive (1.9 GB for a million records). verify-log.ts classifies over it.
 */
export class ChainRecords {
  #n = 0;
  #cap = 0;
  #hashes = Buffer.alloc(0);
  #prevs = Buffer.alloc(0);
  #seqs = new Float64Array(0);
  #intact = new Uint8Array(0);
  #files = new Uint32Array(0);
  #lines = new Uint32Array(0);
  readonly #fileNames: string[] = [];
  /** First record with a given hash, by the hash's first 30 bits (then compared in full). */
  readonly #byHash = new Map<number, number | number[]>();
  /** Every record whose prev is a given hash, by its first 30 bits. */
  readonly #byPrev = new Map<number, number | number[]>();

  get length(): number {
    return this.#n;
  }

  /** Later records are read from this file. */
  startFile(name: string): void {
    this.#fileNames.push(name);
  }

  /** Appends a record; returns its index. */
  add(line: number, f: ChainFields): number {
    if (this.#n === this.#cap) this.#grow();
    const i = this.#n++;
    this.#hashes.write(f.hash, i * DIGEST, DIGEST, 'hex');
    this.#prevs.write(f.prev, i * DIGEST, DIGEST, 'hex');
    this.#seqs[i] = f.seq;
    this.#intact[i] = f.intact ? 1 : 0;
    this.#files[i] = this.#fileNames.length - 1;
    this.#lines[i] = line;
    if (this.firstWithHashOf(i) === undefined) put(this.#byHash, key(this.#hashes, i), i);
    put(this.#byPrev, key(this.#prevs, i), i);
    return i;
  }

  /** `file:line` of record i. */
  at(i: number): string {
    return `${this.#fileNames[this.#files[i]!]}:${this.#lines[i]}`;
  }

  file(i: number): string {
    return this.#fileNames[this.#files[i]!]!;
  }

  line(i: number): number {
    return this.#lines[i]!;
  }

  seq(i: number): number {
    return this.#seqs[i]!;
  }

  intact(i: number): boolean {
    return this.#intact[i] === 1;
  }

  hash(i: number): string {
    return this.#hashes.toString('hex', i * DIGEST, (i + 1) * DIGEST);
  }

  /** Copies record i's hash (32 bytes) into `target` at `offset`. */
  copyHash(i: number, target: Buffer, offset: number): void {
    this.#hashes.copy(target, offset, i * DIGEST, (i + 1) * DIGEST);
  }

  prev(i: number): string {
    return this.#prevs.toString('hex', i * DIGEST, (i + 1) * DIGEST);
  }

  prevIsGenesis(i: number): boolean {
    return GENESIS.equals(this.#prevs.subarray(i * DIGEST, (i + 1) * DIGEST));
  }

  /** Record i links to record j: its prev is j's hash. */
  linksTo(i: number, j: number): boolean {
    return this.#prevs.compare(this.#hashes, j * DIGEST, (j + 1) * DIGEST, i * DIGEST, (i + 1) * DIGEST) === 0;
  }

  /** The first record with the same hash as record i (i itself unless it repeats an earlier one). */
  firstWithHashOf(i: number): number | undefined {
    return find(this.#byHash.get(key(this.#hashes, i)), (j) => this.#hashes.compare(this.#hashes, i * DIGEST, (i + 1) * DIGEST, j * DIGEST, (j + 1) * DIGEST) === 0);
  }

  /** The first record whose hash is record i's prev: the record it links to, wherever it is. */
  linkTargetOf(i: number): number | undefined {
    return find(this.#byHash.get(key(this.#prevs, i)), (j) => this.linksTo(i, j));
  }

  /** Some record links to record j. */
  isLinked(j: number): boolean {
    return find(this.#byPrev.get(key(this.#hashes, j)), (k) => this.linksTo(k, j)) !== undefined;
  }

  /** Some record after index `after` links to record j. */
  isLinkedAfter(j: number, after: number): boolean {
    return find(this.#byPrev.get(key(this.#hashes, j)), (k) => k > after && this.linksTo(k, j)) !== undefined;
  }

  #grow(): void {
    const cap = Math.max(1024, this.#cap * 2);
    const hashes = Buffer.allocUnsafe(cap * DIGEST);
    this.#hashes.copy(hashes);
    this.#hashes = hashes;
    const prevs = Buffer.allocUnsafe(cap * DIGEST);
    this.#prevs.copy(prevs);
    this.#prevs = prevs;
    this.#seqs = grown(this.#seqs, new Float64Array(cap));
    this.#intact = grown(this.#intact, new Uint8Array(cap));
    this.#files = grown(this.#files, new Uint32Array(cap));
    this.#lines = grown(this.#lines, new Uint32Array(cap));
    this.#cap = cap;
  }
}

function grown<T extends Float64Array | Uint8Array | Uint32Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}

/** The first 30 bits of digest i: a small integer, so the Maps hold no strings. */
function key(buf: Buffer, i: number): number {
  return buf.readUInt32BE(i * DIGEST) >>> 2;
}

function put(map: Map<number, number | number[]>, k: number, i: number): void {
  const v = map.get(k);
  if (v === undefined) map.set(k, i);
  else if (typeof v === 'number') map.set(k, [v, i]);
  else v.push(i);
}

/** The first candidate (lowest index) that passes the full comparison. */
function find(v: number | number[] | undefined, ok: (j: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return ok(v) ? v : undefined;
  for (const j of v) if (ok(j)) return j;
  return undefined;
}
