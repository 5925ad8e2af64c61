import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { toSidecarError, type SidecarError } from '../errors/sidecar-error.ts';
import { readBundle } from './read-bundle.ts';
import { createPolicyEngine, type EngineOptions, type PolicyEngine } from './policy-engine.ts';

export interface BundleStatus {
  readonly revision: string | undefined;
  readonly activatedAt: string | undefined;
  readonly lastError: { code: string; message: string; at: string } | undefined;
}

export interface BundleLoader {
  /** The engine in service, or undefined before the first successful load. */
  readonly engine: PolicyEngine | undefined;
  readonly status: BundleStatus;
  /** Loads the file now; on failure the engine in service stays and the error is returned. */
  reload(): Promise<SidecarError | undefined>;
  /** Reloads whenever the file changes (debounced); watches the directory so atomic renames count. */
  watch(): void;
  close(): void;
}

export interface BundleLoaderOptions extends EngineOptions {
  readonly path: string;
  readonly debounceMs?: number;
  readonly onActivated?: (revision: string) => void;
  readonly onRejected?: (err: SidecarError) => void;
}

/**
 * Holds the active policy engine for a bundle file. A new engine is built completely (archive
 * read, Wasm compiled, data loaded, entrypoint checked) before it replaces the old one in a
 * single assignment, so evaluation never sees a half-loaded bundle and a bad file changes nothing.
 */
export function createBundleLoader(options: BundleLoaderOptions): BundleLoader {
  const path = resolve(options.path);
  let engine: PolicyEngine | undefined;
  let activatedAt: string | undefined;
  let lastError: BundleStatus['lastError'];
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let loading: Promise<SidecarError | undefined> | undefined;
  let again = false;

  const loadOnce = async (): Promise<SidecarError | undefined> => {
    try {
      const next = await createPolicyEngine(readBundle(await readFile(path)), options);
      engine = next;
      activatedAt = new Date().toISOString();
      lastError = undefined;
      options.onActivated?.(next.revision);
      return undefined;
    } catch (err) {
      const e = toSidecarError(err, 'bundle_error');
      lastError = { code: e.code, message: e.message, at: new Date().toISOString() };
      options.onRejected?.(e);
      return e;
    }
  };

  // Serialises loads: a change during a load triggers one more load after it.
  const reload = async (): Promise<SidecarError | undefined> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      let result: SidecarError | undefined;
      do {
        again = false;
        result = await loadOnce();
      } while (again);
      return result;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  return {
    get engine() {
      return engine;
    },
    get status() {
      return { revision: engine?.revision, activatedAt, lastError };
    },
    reload,
    watch() {
      if (watcher) return;
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), options.debounceMs ?? 200);
      });
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
