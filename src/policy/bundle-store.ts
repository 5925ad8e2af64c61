import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PersistedBundle {
  readonly archive: Buffer;
  readonly etag: string | undefined;
  readonly revision: string;
  readonly persistedAt: string;
}

export interface BundleStore {
  /** The last good bundle saved for this source, or undefined when there is none (or it is unreadable). */
  read(): Promise<PersistedBundle | undefined>;
  /** Saves an activated bundle; the archive and its metadata are each replaced by rename. */
  write(archive: Buffer, etag: string | undefined, revision: string): Promise<void>;
}

/**
 * The last good bundle of one bundle URL on disk, so a restart while the bundle server is down
 * still serves it. Files are named by a hash of the URL, so sources sharing a directory never
 * read each other's bundle. What is read back is not trusted: it goes through the same
 * verification and compilation as a download before it is activated.
 */
export function createBundleStore(dir: string, url: string): BundleStore {
  const id = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const archivePath = join(dir, `${id}.tar.gz`);
  const metaPath = join(dir, `${id}.json`);
  const replace = async (path: string, content: Buffer | string): Promise<void> => {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, path);
  };
  return {
    async read() {
      try {
        const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { url?: string; etag?: string; revision?: string; persisted_at?: string };
        if (meta.url !== url) return undefined;
        return {
          archive: await readFile(archivePath),
          etag: meta.etag,
          revision: meta.revision ?? '',
          persistedAt: meta.persisted_at ?? '',
        };
      } catch {
        return undefined;
      }
    },
    async write(archive, etag, revision) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Archive first: metadata never points at an archive that was not written.
      await replace(archivePath, archive);
      await replace(metaPath, JSON.stringify({ url, etag, revision, persisted_at: new Date().toISOString() }));
    },
  };
}
