import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { createPolicyEngine } from '../../src/policy/policy-engine.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';

const options = { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 };
const input = (roles: string[], method: string, path: string) => ({
  subject: { sub: 's', iss: 'i', roles },
  request: { method, path, segments: path.split('/').filter(Boolean), query: {} },
});

describe('readBundle', () => {
  it('reads the manifest revision, the wasm module and data.json placed by directory', () => {
    const b = readBundle(readFileSync(SAMPLE_BUNDLE));
    assert.match(b.manifest.revision, /^[0-9a-f]{12}$/);
    assert.deepEqual(b.manifest.wasm.map((w) => w.entrypoint).sort(), ['authz/allow', 'authz/authzen/evaluation', 'authz/decision']);
    assert.ok(b.wasm.byteLength > 1000);
    assert.ok((b.data as any).authz.role_grants.admin);
  });

  it('refuses a file that is not a gzip, and a tar without policy.wasm', () => {
    assert.throws(() => readBundle(Buffer.from('nope')), (e: unknown) => e instanceof SidecarError && e.code === 'bundle_error');
    assert.throws(() => readBundle(gzipSync(Buffer.alloc(1024))), /policy\.wasm/);
  });
});

describe('policy engine', () => {
  it('allows only what the policy allows and returns its reasons', async () => {
    const engine = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), options);
    assert.equal(engine.decide(input(['admin'], 'DELETE', '/api/orders/1')).allow, true);
    const deny = engine.decide(input(['orders-viewer'], 'DELETE', '/api/orders/1'));
    assert.equal(deny.allow, false);
    assert.deepEqual(deny.reasons, ['no grant matches DELETE /api/orders/1']);
    assert.equal(engine.decide(input([], 'GET', '/')).allow, false);
  });

  it('treats a boolean entrypoint result as the decision', async () => {
    const engine = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { ...options, entrypoint: 'authz/allow' });
    assert.deepEqual(engine.decide(input(['admin'], 'GET', '/api/x')), { allow: true, reasons: undefined });
    assert.deepEqual(engine.decide(input([], 'GET', '/api/x')), { allow: false, reasons: undefined });
  });

  it('refuses a bundle without the configured entrypoint when it loads, naming what it has', async () => {
    await assert.rejects(
      createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { ...options, entrypoint: 'authz/nope' }),
      (e: unknown) => e instanceof SidecarError && e.code === 'bundle_error' && /authz\/decision/.test(e.message),
    );
  });

  it('fails with policy_error, not a crash, when an evaluation exceeds the memory ceiling', async () => {
    const engine = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { ...options, memoryMaxPages: 40 });
    const huge = Array.from({ length: 200_000 }, (_, i) => `role-${i}-with-a-long-name`);
    assert.throws(() => engine.decide(input(huge, 'GET', '/api/x')), (e: unknown) => e instanceof SidecarError && e.code === 'policy_error');
    assert.equal(engine.decide(input(['admin'], 'GET', '/api/x')).allow, true, 'the engine still works afterwards');
  });
});
