import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SidecarError } from '../errors/sidecar-error.ts';
import type { BundleActivator } from './bundle-activator.ts';
import type { PolicyEngine } from './policy-engine.ts';

export interface FileBundleSource {
  /** Loads the file now; resolves with the error when it was not activated. */
  reload(): Promise<SidecarError | undefined>;
  /** Reloads whenever the file changes (debounced); watches the directory so atomic renames count. */
  watch(): void;
  close(): void;
}

/** The local bundle file, the default source. */
export function createFileBundleSource(
  file: string,
  activator: BundleActivator,
  load: (archive: Buffer) => Promise<PolicyEngine>,
  debounceMs = 200,
): FileBundleSource {
  const path = resolve(file);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const reload = () => activator.activate('file', async () => load(await readFile(path)));
  return {
    reload,
    watch() {
      if (watcher) return;
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
