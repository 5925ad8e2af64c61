import { open, rename, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ProcessLog } from '../lib/process-log.ts';
import { chainRecord, type ChainHead } from './hash-chain.ts';
import { attachChainFile, detachChainFile, type ChainFile } from './chain-file.ts';
import { loadCheckpointSigner, type CheckpointSigner } from './checkpoints.ts';

export interface FileSinkOptions {
  readonly path: string;
  /** Rotate before a record would take the file past this size; 0 never rotates. */
  readonly maxBytes: number;
  readonly checkpoint?: {
    /** Private key file (PEM or JWK) that signs checkpoints. */
    readonly keyFile: string;
    readonly file: string;
    readonly everyEvents: number;
    readonly intervalMs: number;
    readonly instance: string;
  };
  readonly log: ProcessLog;
}

export interface FileSinkStats {
  readonly path: string;
  readonly written: number;
  readonly dropped: { readonly write_error: number };
  /** seq of the last record written (-1: none yet). */
  readonly seq: number;
  readonly rotations: number;
  readonly checkpoints: number;
  readonly last_error: string | null;
}

export interface FileSink {
  /**
   * Finds where the chain stands (this file's last record, or the newest rotated file's), opens
   * the file and loads the checkpoint key. Idempotent; write() opens on first use too, but calling
   * it at startup turns an unwritable log or a bad key into a startup failure.
   */
  open(): Promise<void>;
  /** Chains and appends events (JSON, one per element); resolves when they are written or counted as dropped. */
  write(events: readonly string[]): Promise<void>;
  /** Writes a final checkpoint and closes the files. */
  close(): Promise<void>;
  readonly stats: FileSinkStats;
}

/**
 * The tamper-evident file sink: JSON lines, each record chained to the previous one by hash
 * (hash-chain.ts). The chain continues across rotation (the first record of a new file links to
 * the last of the rotated one) and across restarts (the chain head is read back from the file).
 * Rotated files are renamed `<path>.<n>`, n growing, and never touched again.
 *
 * Write failures are counted per record (`write_error`) and do not advance the chain, so the
 * records that did reach the disk still verify as one chain.
 *
 * The file's chain state (handle, head, size, next rotation) is shared by every sink of this process on
 * that file (chain-file.ts), so a reload's new sink continues the old one's chain.
 *
 * One closure on purpose (longer than 80 lines): the counters and checkpoint state change with each write, so they stay private to one writer.
 */
export function createFileSink(options: FileSinkOptions): FileSink {
  const { path, maxBytes, checkpoint, log } = options;
  // Set once open: the file's chain state, shared with any other sink of this process on the same file.
  let f: ChainFile | undefined;
  let written = 0;
  let writeErrors = 0;
  let rotations = 0;
  let checkpoints = 0;
  let lastError: string | null = null;
  let sinceCheckpoint = 0;
  let checkpointHandle: FileHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  let signer: CheckpointSigner | undefined;
  let opening: Promise<void> | undefined;
  let closed = false;
  // Writes, rotations and checkpoints run one at a time, in order: before opening on this sink's own
  // lane, then on the file's (shared with a sink that took over this file at a reload).
  const own: { lane: Promise<unknown> } = { lane: Promise.resolve() };
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const l = f ?? own;
    const run = l.lane.then(fn, fn);
    l.lane = run.catch(() => undefined);
    return run;
  };

  const writeCheckpoint = async (file = basename(path)): Promise<void> => {
    if (!checkpoint || !signer || !f || sinceCheckpoint === 0 || f.head.seq < 0) return;
    const head = f.head;
    try {
      const line = await signer.line({
        typ: 'authz-sidecar/decision-log-checkpoint',
        seq: head.seq,
        hash: head.hash,
        file,
        time: new Date().toISOString(),
        instance: checkpoint.instance,
      });
      checkpointHandle ??= await open(checkpoint.file, 'a');
      await checkpointHandle.writeFile(line);
      checkpoints++;
      sinceCheckpoint = 0;
      // A second copy outside this host's files, for whoever collects the process log.
      log.info('decision log checkpoint', { seq: head.seq, hash: head.hash, checkpoint: JSON.parse(line).jws });
    } catch (err) {
      lastError = `checkpoint: ${(err as Error).message}`;
      log.error('decision log checkpoint failed', { detail: (err as Error).message });
    }
  };

  const rotate = async (file: ChainFile): Promise<void> => {
    const to = `${path}.${file.nextRotation}`;
    await writeCheckpoint(basename(to));
    await file.handle?.close();
    file.handle = undefined;
    await rename(path, to);
    file.nextRotation++;
    rotations++;
    file.fileBytes = 0;
    log.info('decision log rotated', { file: to, last_seq: file.head.seq });
  };

  /**
   * Appends chained records. On failure, the records that reached the disk whole (a write can fail
   * half-way, on a full disk) count as written and the chain continues after them; a partial
   * record is ended with a newline (verify reports it as malformed); the rest count as dropped.
   */
  const appendChunk = async (file: ChainFile, chunk: Chunk): Promise<void> => {
    if (chunk.records.length === 0) return;
    const before = file.fileBytes;
    try {
      file.handle ??= await open(path, 'a');
      await file.handle.writeFile(chunk.text);
      file.fileBytes += chunk.bytes;
      file.head = chunk.records[chunk.records.length - 1]!.head;
      written += chunk.records.length;
      sinceCheckpoint += chunk.records.length;
      if (lastError !== null) log.info('decision log writes succeed again', { path });
      lastError = null;
    } catch (err) {
      const landed = await file.handle?.stat().then((s) => (s.isFile() ? s.size - before : 0), () => 0) ?? 0;
      const whole = chunk.records.filter((r) => r.end <= landed);
      if (whole.length > 0) {
        file.head = whole[whole.length - 1]!.head;
        written += whole.length;
        sinceCheckpoint += whole.length;
      }
      file.fileBytes = before + Math.max(landed, 0);
      if (landed > (whole.at(-1)?.end ?? 0)) {
        await file.handle?.writeFile('\n').then(() => file.fileBytes++, () => undefined);
      }
      writeErrors += chunk.records.length - whole.length;
      if (lastError === null) log.error('decision log write failed; records are dropped and counted', { path, detail: (err as Error).message });
      lastError = (err as Error).message;
    }
  };

  const doOpen = async (): Promise<void> => {
    if (checkpoint) signer = await loadCheckpointSigner(checkpoint.keyFile);
    f = await attachChainFile(path, log);
    if (checkpoint) {
      checkpointHandle = await open(checkpoint.file, 'a');
      timer = setInterval(() => void serial(() => writeCheckpoint()), checkpoint.intervalMs);
      timer.unref();
    }
  };
  const ensureOpen = (): Promise<void> => {
    opening ??= doOpen().catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    return opening;
  };

  return {
    open: ensureOpen,
    write(events) {
      return serial(async () => {
        try {
          await ensureOpen();
        } catch (err) {
          writeErrors += events.length;
          lastError = `open: ${(err as Error).message}`;
          return;
        }
        const file = f!;
        let chunk = newChunk();
        let next = file.head;
        for (const json of events) {
          let rec = chainRecord(json, next);
          let size = Buffer.byteLength(rec.line);
          if (maxBytes > 0 && file.fileBytes + chunk.bytes > 0 && file.fileBytes + chunk.bytes + size > maxBytes) {
            const expected = next.seq;
            await appendChunk(file, chunk);
            chunk = newChunk();
            if (file.head.seq === expected) {
              try {
                await rotate(file);
              } catch (err) {
                lastError = `rotation: ${(err as Error).message}`;
                log.error('decision log rotation failed; writing on in the same file', { path, detail: (err as Error).message });
              }
            } else {
              // The write failed: the chain continues from the last record that reached the disk.
              next = file.head;
              rec = chainRecord(json, next);
              size = Buffer.byteLength(rec.line);
            }
          }
          chunk.text += rec.line;
          chunk.bytes += size;
          chunk.records.push({ end: chunk.bytes, head: rec.head });
          next = rec.head;
        }
        await appendChunk(file, chunk);
        if (checkpoint && sinceCheckpoint >= checkpoint.everyEvents) await writeCheckpoint();
      });
    },
    close() {
      return serial(async () => {
        clearInterval(timer);
        await writeCheckpoint();
        await checkpointHandle?.close();
        checkpointHandle = undefined;
        if (f && !closed) await detachChainFile(path, f);
        closed = true;
      });
    },
    get stats() {
      return { path, written, dropped: { write_error: writeErrors }, seq: f?.head.seq ?? -1, rotations, checkpoints, last_error: lastError };
    },
  };
}

/** Records about to be appended: their text, and where each ends (bytes) with the chain head after it. */
interface Chunk {
  text: string;
  bytes: number;
  readonly records: { readonly end: number; readonly head: ChainHead }[];
}

const newChunk = (): Chunk => ({ text: '', bytes: 0, records: [] });

