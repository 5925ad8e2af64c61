import type { Config } from '../config/config.ts';
import { OK, statusOf, type Component } from '../lib/component.ts';
import { createBundleActivator, type ActivatorHooks } from './bundle-activator.ts';
import { createBundleStore } from './bundle-store.ts';
import { createFileBundleSource, type FileBundleSource } from './file-bundle-source.ts';
import { createHttpBundleSource, type BundleDownloadOutcome, type HttpBundleSource } from './http-bundle-source.ts';
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

export interface BundleLoader extends Component {
  /** The engine in service, or undefined before the first successful activation. */
  readonly engine: PolicyEngine | undefined;
  /** The bundle's name (`bundles/authz.tar.gz` → `authz`), as in decision events. */
  readonly bundleName: string;
  /** True once any bundle was activated: OPA's `/health?bundles` (later downloads do not matter). */
  readonly activated: boolean;
  /** The bundle's status in the shape of OPA's status API (`GET /v1/status` → `bundles.<name>`). */
  bundleStatus(): BundleStatusV1;
  /** Resolves once the first load has finished (activated or refused): what a reload waits for. */
  settled(): Promise<void>;
}

export interface BundleLoaderHooks extends ActivatorHooks {
  readonly onPersistError?: (err: Error) => void;
  /** Each request to the bundle server (policy.source http). */
  readonly onDownload?: (outcome: BundleDownloadOutcome) => void;
}

/**
 * The `bundle` component: the bundle source the configuration names (file or bundle server), the
 * signature verifier when a key is configured, and the activator that swaps engines atomically.
 * `start` loads a file (and watches it), or activates the persisted bundle and starts polling:
 * it never waits on the network, so the listener comes up while a bundle server is down.
 * Throws `config_error` when the signing key cannot be read.
 *
 * One closure on purpose (longer than 80 lines): the source, the activator and the first load are private state the component's methods share.
 */
export function createBundleLoader(policy: Config['policy'], bundleName: string, hooks: BundleLoaderHooks = {}): BundleLoader {
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
        ...(hooks.onDownload ? { onDownload: hooks.onDownload } : {}),
      },
      activator,
      load,
    );
  } else {
    location = policy.bundle;
    file = createFileBundleSource(location, activator, load);
  }
  let first: Promise<unknown> | undefined;

  const bundleStatus = (): BundleStatusV1 => {
    const a = activator.status;
    const d = http?.status;
    // A poll's failure covers both download and activation; a file source has only the latter.
    const err = d ? d.lastError : a.lastError;
    return {
      name: bundleName,
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
  };

  return {
    name: 'policy bundle',
    bundleName,
    get engine() {
      return activator.engine;
    },
    get activated() {
      return activator.engine !== undefined;
    },
    bundleStatus,
    status() {
      const err = http?.status.lastError ?? activator.status.lastError;
      if (!activator.engine) return { bundle: statusOf('NOT_READY', `no policy bundle is active (${err?.message ?? 'loading'})`) };
      // The bundle in service keeps deciding; the failed update is worth a look, not a restart.
      return { bundle: err ? statusOf('WARN', `the active bundle stays; the last update failed: ${err.message}`) : OK };
    },
    statusSections: () => ({ bundles: { [bundleName]: bundleStatus() } }),
    async start() {
      if (file) {
        first ??= file.reload();
        await first;
        if (policy.watch) file.watch();
      } else if (!first) {
        first = http!.start();
        await first;
      }
    },
    settled: async () => {
      await first;
      await http?.firstPoll;
    },
    async stop() {
      file?.close();
      http?.close();
    },
  };
}
