import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { startBundleServer, type BundleServer } from '../helpers/bundle-server.ts';
import { buildBundle, FIXTURE_POLICIES, ROOT, rsaKeyFiles, tempDir } from '../helpers/bundles.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };
const TOKEN = 'bundle-service-token';

describe('bundles from a real HTTP bundle server on loopback', () => {
  let idp: TestIdp;
  let server: BundleServer;
  let keys: { privateKey: string; publicKey: string };
  let sampleSigned: Buffer;
  let denyAllSigned: Buffer;
  let persistDir: string;
  let sidecarConfig: Record<string, unknown>;

  before(async () => {
    keys = rsaKeyFiles();
    sampleSigned = readFileSync(buildBundle(join(ROOT, 'rego/authz'), join(tempDir(), 'v1.tar.gz'), 'authz', { key: keys.privateKey }));
    denyAllSigned = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(tempDir(), 'v2.tar.gz'), 'authz', { key: keys.privateKey }));
    idp = await startTestIdp();
    server = await startBundleServer('/bundles/authz.tar.gz', sampleSigned, TOKEN);
    persistDir = join(tempDir(), 'persisted');
    sidecarConfig = {
      'policy.source': 'http',
      'policy.server.url': server.url,
      'policy.server.authorization': `Bearer ${TOKEN}`,
      'policy.server.minDelayMs': 50,
      'policy.server.maxDelayMs': 100,
      'policy.persistDir': persistDir,
      'policy.signing.keyFile': keys.publicKey,
    };
  });
  after(async () => {
    await server.stop();
    await idp.stop();
  });

  it('activates the served bundle, revalidates with 304, picks up an update by polling, and keeps the active bundle when a bad or unsigned one is served', async (t) => {
    const sc = await startTestSidecar(idp.issuer, sidecarConfig);
    try {
      const alice = await idp.token('alice');
      assert.equal((await sc.authorize(alice, del)).body.allow, true, 'the sample policy lets an admin DELETE');
      const first = await bundleStatus(sc);
      assert.equal(first.origin, 'download');
      assert.match(first.active_revision, /^[0-9a-f]{12}$/);
      assert.ok(server.authorizations.has(`Bearer ${TOKEN}`) && !server.answered.has(401), 'the configured Authorization header is sent');

      // Unchanged bundle: the next polls are answered 304 and change nothing.
      await waitFor(async () => ((await bundleStatus(sc)).not_modified >= 2 ? true : undefined));
      assert.ok((server.answered.get(304) ?? 0) >= 2);
      const unchanged = await bundleStatus(sc);
      assert.equal(unchanged.active_revision, first.active_revision);
      assert.equal(unchanged.downloads, 1, 'a 304 downloads nothing');

      // A corrupt bundle, then an unsigned one: both refused, the active bundle stays.
      server.serve(Buffer.from('not a bundle at all'));
      const corrupt = await waitFor(async () => {
        const s = await bundleStatus(sc);
        return s.code === 'bundle_error' ? s : undefined;
      });
      assert.match(corrupt.message, /not a readable \.tar\.gz/);
      server.serve(buildUnsignedDenyAll());
      const unsigned = await waitFor(async () => {
        const s = await bundleStatus(sc);
        return /not signed/.test(s.message ?? '') ? s : undefined;
      });
      assert.equal(unsigned.active_revision, first.active_revision);
      assert.equal((await sc.authorize(alice, del)).body.allow, true, 'still decided by the first bundle');
      assert.equal((await fetch(`${sc.url}/ready`)).status, 200, 'a rejected bundle does not make the sidecar unready');

      // A good signed update is activated by the sidecar's own polling.
      server.serve(denyAllSigned);
      const served = performance.now();
      const denied = await waitFor(async () => {
        const r = await sc.authorize(alice, del);
        return r.body.allow === false ? r : undefined;
      });
      assert.deepEqual(denied.body.reasons, ['deny-all fixture']);
      t.diagnostic(`update active ${Math.round(performance.now() - served)} ms after it was served (maxDelayMs 100)`);
      // The status is read right after the swap; on a loaded machine the poll that clears the
      // error may still be finishing, so wait for it rather than race it.
      const updated = await waitFor(async () => {
        const s = await bundleStatus(sc);
        return s.code === undefined ? s : undefined;
      });
      assert.notEqual(updated.active_revision, first.active_revision);
      assert.equal(updated.code, undefined, 'a successful poll clears the last error');
      assert.ok(updated.last_successful_download && updated.last_successful_activation && updated.etag);
    } finally {
      await sc.stop();
    }
  });

  it('serves the persisted last good bundle after a restart while the bundle server is down', async () => {
    await server.stop();
    const sc = await startTestSidecar(idp.issuer, sidecarConfig);
    try {
      const s = await bundleStatus(sc);
      assert.equal(s.origin, 'persisted');
      assert.equal((await fetch(`${sc.url}/ready`)).status, 200);
      const res = await sc.authorize(await idp.token('alice'), del);
      assert.deepEqual(res.body.reasons, ['deny-all fixture'], 'the last good bundle (the update) is what was persisted');
      const failing = await waitFor(async () => {
        const st = await bundleStatus(sc);
        return st.download_failures > 0 ? st : undefined;
      });
      assert.match(failing.message, /unreachable/);
    } finally {
      await sc.stop();
    }
  });

  it('is not ready while no bundle was ever activated, and says why', async () => {
    const sc = await startTestSidecar(idp.issuer, { ...sidecarConfig, 'policy.persistDir': join(tempDir(), 'empty') }, false);
    try {
      await waitFor(async () => ((await bundleStatus(sc)).download_failures > 0 ? true : undefined));
      const ready = await fetch(`${sc.url}/ready`);
      assert.equal(ready.status, 503);
      assert.match(((await ready.json()) as { message: string }).message, /no policy bundle is active \(bundle server .* unreachable/);
      assert.equal((await sc.authorize(await idp.token('alice'), del)).status, 503);
    } finally {
      await sc.stop();
    }
  });

  it('refuses a bundle over policy.server.maxBytes, says so, and activates nothing', async () => {
    const big = await startBundleServer('/bundles/authz.tar.gz', sampleSigned, TOKEN);
    const config = { ...sidecarConfig, 'policy.server.url': big.url, 'policy.server.maxBytes': 1024, 'policy.persistDir': join(tempDir(), 'empty') };
    const sc = await startTestSidecar(idp.issuer, config, false);
    try {
      assert.ok(sampleSigned.length > 1024);
      const refused = await waitFor(async () => {
        const s = await bundleStatus(sc);
        return s.download_failures > 0 ? s : undefined;
      });
      assert.equal(refused.code, 'bundle_error');
      assert.match(refused.message, /larger than policy\.server\.maxBytes \(1024\)/);
      assert.equal((await fetch(`${sc.url}/ready`)).status, 503);
    } finally {
      await sc.stop();
      await big.stop();
    }
  });

  function buildUnsignedDenyAll(): Buffer {
    return readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(tempDir(), 'unsigned.tar.gz')));
  }
});

async function bundleStatus(sc: TestSidecar): Promise<any> {
  const res = await fetch(`${sc.url}/v1/status`);
  assert.equal(res.status, 200);
  return ((await res.json()) as any).result.bundles.authz;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
