import { basename } from 'node:path';
import type { Config } from '../config/config.ts';
import { createBundleActivator, type ActivatorHooks } from './bundle-activator.ts';
import { createBundleStore } from './bundle-store.ts';
import { createFileBundleSource, type FileBundleSource } from './file-bundle-source.ts';
import { createHttpBundleSource, type HttpBundleSource } from './http-bundle-source.ts';
import { loadBundle } from './load-bundle.ts';
import type { PolicyEngine } from './policy-engine.ts';
import { createBundleVerifier } from './verify-bundle-signature.ts';

/**
 * One bundle's status in the shape of OPA's status API (`bundles.<name>`), plus a few fields of
 * ours (`source`, `origin`, `etag`, counters). Fields are only ever added.
 */
export interface BundleStatusV1 {
  readonly name: string;
  readonly source: string;
  readonly active_revision?: string;
  /** `file`, `download` or `persisted`: where the active bundle came from. */
  readonly origin?: string;
  readonly last_successful_activation?: string;
  readonly last_request?: string;
  readonly last_successful_request?: string;
  readonly last_successful_download?: string;
  readonly etag?: string;
  readonly http_code?: number;
  readonly code?: string;
  readonly message?: string;
  readonly last_error_at?: string;
  readonly activations: number;
  readonly rejections: number;
  readonly downloads?: number;
  readonly not_modified?: number;
  readonly download_failures?: number;
}

export interface BundleLoader {
  /** The engine in service, or undefined before the first successful activation. */
  readonly engine: PolicyEngine | undefined;
  readonly name: string;
  status(): BundleStatusV1;
  /** The reason nothing is active yet (for /ready), or undefined once a bundle is active. */
  notReadyReason(): string | undefined;
  /** Starts the configured source: loads the file (and watches it), or the persisted bundle then polls. */
  start(): void;
  /** Loads again now: re-reads the file, or polls the server. Failures show in status(). */
  reload(): Promise<void>;
  close(): void;
}

export interface BundleLoaderHooks extends ActivatorHooks {
  readonly onPersistError?: (err: Error) => void;
}

/**
 * Builds the bundle source the configuration names (file or bundle server), the signature
 * verifier when a key is configured, and the activator that swaps engines atomically.
 * Throws `config_error` when the signing key cannot be read.
 */
export function createBundleLoader(policy: Config['policy'], hooks: BundleLoaderHooks = {}): BundleLoader {
  const activator = createBundleActivator(hooks);
  const verifier = policy.signing.keyFile ? createBundleVerifier({ ...policy.signing, keyFile: policy.signing.keyFile }) : undefined;
  const load = (archive: Buffer) => loadBundle(archive, { ...policy, verifier });

  let file: FileBundleSource | undefined;
  let http: HttpBundleSource | undefined;
  let location: string;
  if (policy.source === 'http') {
    location = policy.server.url!;
    http = createHttpBundleSource(
      {
        ...policy.server,
        url: location,
        store: policy.persist ? createBundleStore(policy.persistDir, location) : undefined,
        ...(hooks.onPersistError ? { onPersistError: hooks.onPersistError } : {}),
      },
      activator,
      load,
    );
  } else {
    location = policy.bundle;
    file = createFileBundleSource(location, activator, load);
  }
  const name = basename(new URL(location, 'file:///').pathname).replace(/\.tar\.gz$|\.tgz$/, '') || 'bundle';

  return {
    get engine() {
      return activator.engine;
    },
    name,
    status() {
      const a = activator.status;
      const d = http?.status;
      // A poll's failure covers both download and activation; a file source has only the latter.
      const err = d ? d.lastError : a.lastError;
      return {
        name,
        source: http ? http.status.url : location,
        ...(a.activeRevision !== undefined ? { active_revision: a.activeRevision } : {}),
        ...(a.activeOrigin ? { origin: a.activeOrigin } : {}),
        ...(a.lastSuccessfulActivation ? { last_successful_activation: a.lastSuccessfulActivation } : {}),
        ...(d?.lastRequest ? { last_request: d.lastRequest } : {}),
        ...(d?.lastSuccessfulRequest ? { last_successful_request: d.lastSuccessfulRequest } : {}),
        ...(d?.lastSuccessfulDownload ? { last_successful_download: d.lastSuccessfulDownload } : {}),
        ...(d?.etag ? { etag: d.etag } : {}),
        ...(d?.lastHttpStatus !== undefined ? { http_code: d.lastHttpStatus } : {}),
        ...(err ? { code: err.code, message: err.message, last_error_at: err.at } : {}),
        activations: a.activations,
        rejections: a.rejections,
        ...(d ? { downloads: d.downloads, not_modified: d.notModified, download_failures: d.failures } : {}),
      };
    },
    notReadyReason() {
      if (activator.engine) return undefined;
      const err = http?.status.lastError ?? activator.status.lastError;
      return `no policy bundle is active (${err?.message ?? 'loading'})`;
    },
    start() {
      if (file) {
        void file.reload();
        if (policy.watch) file.watch();
      } else {
        void http!.start();
      }
    },
    async reload() {
      if (file) await file.reload();
      else await http!.poll();
    },
    close() {
      file?.close();
      http?.close();
    },
  };
}
