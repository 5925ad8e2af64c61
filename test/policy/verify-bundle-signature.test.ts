import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../../src/policy/load-bundle.ts';
import { createBundleVerifier } from '../../src/policy/verify-bundle-signature.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { buildBundle, FIXTURE_POLICIES, ROOT, rsaKeyFiles, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { rewriteBundle } from '../helpers/tar.ts';

const engine = { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 };
const rsa = (keyFile: string, extra: Partial<{ scope: string; keyId: string }> = {}) =>
  createBundleVerifier({ keyFile, algorithm: 'RS256', keyId: extra.keyId ?? 'default', scope: extra.scope });
const refused = (pattern: RegExp) => (e: unknown) => e instanceof SidecarError && e.code === 'bundle_error' && pattern.test(e.message);

describe('signed bundles (built and signed by the real opa build --signing-key)', () => {
  let keys: { privateKey: string; publicKey: string };
  let signed: Buffer;
  before(() => {
    keys = rsaKeyFiles();
    signed = readFileSync(buildBundle(join(ROOT, 'rego/authz'), join(tempDir(), 'signed.tar.gz'), 'authz', { key: keys.privateKey }));
  });

  it('accepts an RS256 bundle signed with the matching key and decides with it', async () => {
    const e = await loadBundle(signed, { ...engine, verifier: rsa(keys.publicKey) });
    assert.equal(e.decide({ subject: { roles: ['admin'] }, request: { method: 'GET', path: '/api/x' } }).allow, true);
  });

  it('accepts ES256 and HS256 signatures with their keys', async () => {
    const dir = tempDir();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'ec.pem'), ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'ec.pub'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
    const es = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(dir, 'es.tar.gz'), 'authz', { key: join(dir, 'ec.pem'), alg: 'ES256' }));
    await loadBundle(es, { ...engine, verifier: createBundleVerifier({ keyFile: join(dir, 'ec.pub'), algorithm: 'ES256', keyId: 'default', scope: undefined }) });

    const secret = 'a-shared-bundle-signing-secret-of-32-bytes';
    writeFileSync(join(dir, 'hs.secret'), `${secret}\n`);
    const hs = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(dir, 'hs.tar.gz'), 'authz', { key: secret, alg: 'HS256' }));
    await loadBundle(hs, { ...engine, verifier: createBundleVerifier({ keyFile: join(dir, 'hs.secret'), algorithm: 'HS256', keyId: 'default', scope: undefined }) });
    await assert.rejects(
      loadBundle(hs, { ...engine, verifier: rsa(keys.publicKey) }),
      refused(/another algorithm/),
      'an HS256 signature is not accepted where RS256 is configured',
    );
  });

  it('refuses an unsigned bundle when signing is configured', async () => {
    await assert.rejects(loadBundle(readFileSync(SAMPLE_BUNDLE), { ...engine, verifier: rsa(keys.publicKey) }), refused(/not signed/));
  });

  it('refuses a bundle signed with another key', async () => {
    const other = rsaKeyFiles();
    await assert.rejects(loadBundle(signed, { ...engine, verifier: rsa(other.publicKey) }), refused(/does not verify/));
  });

  it('refuses a bundle whose data was changed after signing (digest mismatch)', async () => {
    const tampered = rewriteBundle(signed, (files) => {
      const data = JSON.parse(files.get('/data.json')!.toString());
      data.authz.role_grants['orders-viewer'].push({ methods: ['*'], path: '/api/**' });
      files.set('/data.json', Buffer.from(JSON.stringify(data)));
    });
    await assert.rejects(loadBundle(tampered, { ...engine, verifier: rsa(keys.publicKey) }), refused(/data\.json: digest mismatch/));
  });

  it('accepts the same data re-serialised (hashes are over canonical JSON, as OPA computes them)', async () => {
    const reformatted = rewriteBundle(signed, (files) => {
      files.set('/data.json', Buffer.from(JSON.stringify(JSON.parse(files.get('/data.json')!.toString()), null, 7)));
    });
    await loadBundle(reformatted, { ...engine, verifier: rsa(keys.publicKey) });
  });

  it('refuses a file added to, or removed from, a signed bundle', async () => {
    const added = rewriteBundle(signed, (files) => files.set('/extra/data.json', Buffer.from('{"x":1}')));
    await assert.rejects(loadBundle(added, { ...engine, verifier: rsa(keys.publicKey) }), refused(/extra\/data\.json is not included/));
    const removed = rewriteBundle(signed, (files) => files.delete('/authz/policy.rego'));
    await assert.rejects(loadBundle(removed, { ...engine, verifier: rsa(keys.publicKey) }), refused(/not found in the bundle/));
  });

  it('compares the scope claim exactly and checks the key id', async () => {
    const scoped = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(tempDir(), 's.tar.gz'), 'authz', { key: keys.privateKey, claims: { scope: 'write' } }));
    await loadBundle(scoped, { ...engine, verifier: rsa(keys.publicKey, { scope: 'write' }) });
    await assert.rejects(loadBundle(scoped, { ...engine, verifier: rsa(keys.publicKey, { scope: 'read' }) }), refused(/scope 'write'/));
    await assert.rejects(loadBundle(scoped, { ...engine, verifier: rsa(keys.publicKey) }), refused(/scope 'write'/));
    const named = readFileSync(buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(tempDir(), 'k.tar.gz'), 'authz', { key: keys.privateKey, claims: { keyid: 'old-key' } }));
    await assert.rejects(loadBundle(named, { ...engine, verifier: rsa(keys.publicKey) }), refused(/names key 'old-key'/));
  });

  it('refuses a signed bundle when no verification key is configured, as OPA does', async () => {
    await assert.rejects(loadBundle(signed, { ...engine, verifier: undefined }), refused(/no verification key/));
  });

  it('refuses a bundle with two entries of one name (an appended file shadowing a signed one)', async () => {
    const files = rewriteBundle(signed, () => undefined);
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const tar = gunzipSync(files);
    const extra = gunzipSync(rewriteBundle(signed, (f) => {
      for (const k of [...f.keys()]) if (k !== '/data.json') f.delete(k);
      f.set('/data.json', Buffer.from('{"authz":{}}'));
    }));
    const doubled = gzipSync(Buffer.concat([tar.subarray(0, tar.length - 1024), extra]));
    await assert.rejects(loadBundle(doubled, { ...engine, verifier: rsa(keys.publicKey) }), refused(/two entries named \/data\.json/));
  });
});
