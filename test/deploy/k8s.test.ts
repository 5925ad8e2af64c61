import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load-config.ts';
import { ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp } from '../helpers/test-idp.ts';
import { canMountReadOnlyRoot, spawnSidecar } from '../helpers/spawn-sidecar.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

const K8S = join(ROOT, 'deploy/k8s');
const deployment = parse(readFileSync(join(K8S, 'deployment.yaml'), 'utf8'));
const pod = deployment.spec.template.spec;
const sidecar = pod.initContainers.find((c: any) => c.name === 'authz-sidecar');
const service = pod.containers[0];

describe('deploy/k8s example', () => {
  it('holds a configuration the sidecar accepts: API on loopback, diagnostics on the probed port', () => {
    const config = loadConfig({ file: join(K8S, 'authz.yaml'), env: {} });
    assert.deepEqual(config.listen, { kind: 'tcp', host: '127.0.0.1', port: 8181 });
    const diagPort = sidecar.ports.find((p: any) => p.name === 'authz-diag').containerPort;
    assert.equal(config.diagnostics.listen?.kind === 'tcp' && config.diagnostics.listen.port, diagPort);
    assert.equal(config.policy.bundle, `${sidecar.volumeMounts.find((m: any) => m.name === 'authz-bundle').mountPath}/authz.tar.gz`);
    assert.equal(service.env.find((e: any) => e.name === 'AUTHZ_SIDECAR_URL').value, 'http://127.0.0.1:8181');
    assert.deepEqual(sidecar.args, ['serve', '--config', `${sidecar.volumeMounts.find((m: any) => m.name === 'authz-config').mountPath}/authz.yaml`]);
  });

  it('runs the sidecar as a native sidecar, non-root, read-only, with probes and resource requests', () => {
    assert.equal(sidecar.restartPolicy, 'Always', 'a native sidecar starts before and stops after the service');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    for (const c of [sidecar, service]) {
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory, c.name);
    }
    assert.deepEqual([sidecar.readinessProbe.httpGet.path, sidecar.startupProbe.httpGet.path, sidecar.livenessProbe.httpGet.path], ['/ready', '/ready', '/health']);
    for (const probe of [sidecar.readinessProbe, sidecar.startupProbe, sidecar.livenessProbe]) assert.equal(probe.httpGet.port, 'authz-diag');
    for (const m of sidecar.volumeMounts) assert.equal(m.readOnly, true, m.name);
  });

  it('renders with kustomize, the config and the bundle as hashed ConfigMaps', (t) => {
    if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) return t.skip('kubectl is not installed');
    const dir = join(tempDir(), 'k8s');
    cpSync(K8S, dir, { recursive: true });
    copyFileSync(SAMPLE_BUNDLE, join(dir, 'authz.tar.gz'));
    const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const maps = docs.filter((d) => d.kind === 'ConfigMap');
    assert.equal(maps.length, 2);
    const bundleMap = maps.find((m) => m.metadata.name.startsWith('orders-authz-bundle-'));
    assert.deepEqual(Buffer.from(bundleMap.binaryData['authz.tar.gz'], 'base64'), readFileSync(SAMPLE_BUNDLE));
    const rendered = docs.find((d) => d.kind === 'Deployment').spec.template.spec.volumes;
    assert.ok(rendered.every((v: any) => maps.some((m) => m.metadata.name === v.configMap.name)), 'volumes point at the hashed names');
  });

  it('runs with a read-only root filesystem: serves, decides and stops cleanly with nothing writable', async (t) => {
    if (!canMountReadOnlyRoot()) return t.skip('this machine cannot remount / read-only in a user namespace');
    const idp = await startTestIdp();
    const dir = tempDir();
    const config = join(dir, 'authz.yaml');
    const deployed = parse(readFileSync(join(K8S, 'authz.yaml'), 'utf8'));
    writeFileSync(config, JSON.stringify({ ...deployed, issuer: idp.issuer, audience: [DEMO_AUDIENCE], listen: '127.0.0.1:0', diagnostics: { listen: '127.0.0.1:0' }, policy: { bundle: SAMPLE_BUNDLE }, claims: { roleClaims: ['roles'] } }));
    const sc = await spawnSidecar(['--config', config], { HOME: '/nonexistent' }, { readOnlyRoot: true });
    try {
      await sc.waitReady();
      const res = await fetch(`${sc.url}/authorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await idp.token('bob')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
      });
      assert.equal(((await res.json()) as { allow: boolean }).allow, true);
      sc.child.kill('SIGTERM');
      assert.equal(await sc.exited, 0);
      assert.equal(sc.stdout().trim().split('\n').length, 1, 'the decision went to stdout');
      // Only the /ready polls made before the bundle loaded may warn (not_ready); a failed write would be an error.
      assert.deepEqual(sc.logs().filter((l) => l['level'] === 'error' || (l['level'] === 'warn' && l['code'] !== 'not_ready')), []);
    } finally {
      sc.kill();
      await idp.stop();
    }
  });
});
