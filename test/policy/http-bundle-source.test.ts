import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createBundleActivator } from '../../src/policy/bundle-activator.ts';
import { createHttpBundleSource, type BundleDownloadOutcome } from '../../src/policy/http-bundle-source.ts';
import { loadBundle } from '../../src/policy/load-bundle.ts';
import { createMetrics } from '../../src/metrics/sidecar-metrics.ts';
import { startBundleServer, type BundleServer } from '../helpers/bundle-server.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';

const engine = { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 };
const TOKEN = 'download-count-token';

/** A loopback port nothing listens on: connections are refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('each request to the bundle server is counted by outcome (authz_bundle_downloads_total)', () => {
  let server: BundleServer;
  before(async () => {
    server = await startBundleServer('/bundles/authz.tar.gz', readFileSync(SAMPLE_BUNDLE), TOKEN);
  });
  after(() => server.stop());

  const source = (url: string, seen: BundleDownloadOutcome[], maxBytes = 10_000_000) =>
    createHttpBundleSource(
      { url, authorization: `Bearer ${TOKEN}`, minDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 5000, maxBytes, store: undefined, onDownload: (o) => seen.push(o) },
      createBundleActivator(),
      (archive) => loadBundle(archive, { ...engine, verifier: undefined }),
    );

  it('downloaded, then not_modified, then failure while the server answers 503', async () => {
    const seen: BundleDownloadOutcome[] = [];
    const s = source(server.url, seen);
    try {
      await s.poll();
      await s.poll();
      server.fail(503);
      await s.poll();
      server.fail(undefined);
      assert.deepEqual(seen, ['downloaded', 'not_modified', 'failure']);
      assert.equal(s.status.failures, 1);
      assert.equal(s.status.lastHttpStatus, 503);
    } finally {
      server.fail(undefined);
      s.close();
    }
  });

  it('failure when the server is unreachable, answers 401, or sends more than maxBytes', async () => {
    const seen: BundleDownloadOutcome[] = [];
    const unreachable = source(`http://127.0.0.1:${await closedPort()}/bundles/authz.tar.gz`, seen);
    const tooLarge = source(server.url, seen, 100);
    const wrongToken = createHttpBundleSource(
      { url: server.url, authorization: 'Bearer wrong', minDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 5000, maxBytes: 10_000_000, store: undefined, onDownload: (o) => seen.push(o) },
      createBundleActivator(),
      (archive) => loadBundle(archive, { ...engine, verifier: undefined }),
    );
    try {
      await unreachable.poll();
      await tooLarge.poll();
      await wrongToken.poll();
      assert.deepEqual(seen, ['failure', 'failure', 'failure']);
      assert.match(tooLarge.status.lastError?.message ?? '', /larger than policy\.server\.maxBytes/);
      assert.equal(wrongToken.status.lastHttpStatus, 401);
    } finally {
      unreachable.close();
      tooLarge.close();
      wrongToken.close();
    }
  });

  it('a bundle that downloads but is refused counts as downloaded here and as a failed load, not as a failed download', async () => {
    const seen: BundleDownloadOutcome[] = [];
    server.serve(Buffer.from('this is not a bundle'));
    const s = source(server.url, seen);
    try {
      await s.poll();
      assert.deepEqual(seen, ['downloaded']);
      assert.equal(s.status.failures, 1, 'the poll failed (the bundle was refused)');
    } finally {
      server.serve(readFileSync(SAMPLE_BUNDLE));
      s.close();
    }
  });

  it('the metric exports every outcome from the start at 0, so increase() sees the first failure', async () => {
    const metrics = createMetrics();
    const value = async (outcome: string) =>
      (await metrics.registry.getSingleMetric('authz_bundle_downloads_total')!.get()).values.find((v) => v.labels['outcome'] === outcome)?.value;
    assert.deepEqual(await Promise.all(['downloaded', 'not_modified', 'failure'].map(value)), [0, 0, 0]);
    metrics.recordBundleDownload('failure');
    metrics.recordBundleDownload('failure');
    metrics.recordBundleDownload('downloaded');
    assert.deepEqual(await Promise.all(['downloaded', 'not_modified', 'failure'].map(value)), [1, 0, 2]);
  });
});
