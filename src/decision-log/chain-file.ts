import { open, rename, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProcessLog } from '../lib/process-log.ts';
import type { ChainHead } from './hash-chain.ts';
import { findChainHead } from './find-chain-head.ts';

/**
 * One decision log file's chain state in this process. A reload that changes a `decisionLog.*` key builds
 * a new sink for the same file while the old one still writes the decisions made before the swap; if
 * each read the chain head on its own, both would number records from the same head and fork the chain.
 * So every sink of this process on one file shares this state and its write lane, and the head is read
 * from the file only by the first.
 */
export interface ChainFile {
  handle: FileHandle | undefined;
  head: ChainHead;
  fileBytes: number;
  nextRotation: number;
  lane: Promise<unknown>;
  users: number;
}

const openFiles = new Map<string, Promise<ChainFile>>();

/** The file's shared state, opened (and its chain head read) by the first sink that attaches. */
export async function attachChainFile(path: string, log: ProcessLog): Promise<ChainFile> {
  const key = resolve(path);
  let opening = openFiles.get(key);
  if (!opening) {
    opening = openFile(path, log);
    openFiles.set(key, opening);
    opening.catch(() => openFiles.delete(key));
  }
  const file = await opening;
  file.users++;
  return file;
}

/** The last sink to detach closes the file; the next attach reads the head from the file again. */
export async function detachChainFile(path: string, file: ChainFile): Promise<void> {
  if (--file.users > 0) return;
  openFiles.delete(resolve(path));
  await file.handle?.close();
  file.handle = undefined;
}

/** Finds where the chain stands (this file's last record, or the newest rotated file's) and opens the file. */
async function openFile(path: string, log: ProcessLog): Promise<ChainFile> {
  const found = await findChainHead(path);
  const file: ChainFile = { handle: undefined, head: found.head, fileBytes: found.bytes, nextRotation: found.nextRotation, lane: Promise.resolve(), users: 0 };
  if (found.legacy) {
    // An unchained file (written before hash chaining) is set aside, so the new chain starts in a clean file.
    const to = `${path}.${file.nextRotation++}`;
    await rename(path, to);
    file.fileBytes = 0;
    log.warn('decision log file holds no hash-chained records; moved aside, a new chain starts', { moved_to: to });
  }
  file.handle = await open(path, 'a');
  if (found.torn && !found.legacy) {
    // Ends the torn last line so it stays one unreadable line and cannot merge with the next record.
    await file.handle.writeFile('\n');
    file.fileBytes++;
    log.warn('decision log ended in a partial line (a crash while writing?); audit verify will report it', { path });
  }
  return file;
}
