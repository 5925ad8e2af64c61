import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, tempDir } from '../helpers/bundles.ts';
import { goTool, runGoTool } from '../helpers/go-tools.ts';

/**
 * docker-compose.yml through compose-spec's own loader (tools/compose-config: what `docker compose
 * config` runs), since no docker compose CLI is installable here. Then what the file promises its
 * users: every container in Keycloak's network namespace, ports published on the host's loopback only,
 * the sidecar waiting for a healthy Valkey, and a fleet key long enough for the sidecar to accept.
 */
describe('docker-compose.yml, loaded as docker compose config loads it', () => {
  const tool = goTool('compose-config');
  const load = async (file: string, env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await runGoTool(tool, [file]);
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    }
  };

  it('is a valid Compose project whose containers share one loopback and publish on 127.0.0.1 only', async () => {
    const r = await load(join(ROOT, 'docker-compose.yml'));
    assert.equal(r.status, 0, r.stderr);
    const project = parse(r.stdout) as { services: Record<string, any> };
    assert.deepEqual(Object.keys(project.services).sort(), ['authz-sidecar', 'demo-service', 'keycloak', 'nginx', 'valkey']);
    for (const [name, svc] of Object.entries(project.services)) {
      if (name !== 'keycloak') assert.equal(svc.network_mode, 'service:keycloak', name);
      for (const port of svc.ports ?? []) assert.equal(port.host_ip, '127.0.0.1', `${name} publishes ${port.published} beyond loopback`);
    }
    const sidecar = project.services['authz-sidecar'];
    assert.equal(sidecar.depends_on.valkey.condition, 'service_healthy');
    assert.equal(sidecar.read_only, true);
    assert.deepEqual(sidecar.cap_drop, ['ALL']);
    const key = Buffer.from(sidecar.environment.AUTHZ_CLAIMS_SHARED_KEY, 'base64');
    assert.ok(key.length >= 32, 'the default fleet key is at least 32 bytes (claims.shared.key)');
    assert.match(sidecar.environment.AUTHZ_CLAIMS_SHARED_URL, /^redis:\/\/default:dev-only-valkey-password@127\.0\.0\.1:6379$/);
    assert.ok(project.services.valkey.command.includes('--requirepass'), 'Valkey asks for a password');
  });

  it('takes the Valkey password from VALKEY_PASSWORD for the server and the sidecar alike', async () => {
    const r = await load(join(ROOT, 'docker-compose.yml'), { VALKEY_PASSWORD: 's3cret-from-env' });
    assert.equal(r.status, 0, r.stderr);
    const project = parse(r.stdout) as { services: Record<string, any> };
    assert.match(project.services['authz-sidecar'].environment.AUTHZ_CLAIMS_SHARED_URL, /:s3cret-from-env@/);
    assert.ok(project.services.valkey.command.includes('s3cret-from-env'));
  });

  it('refuses a broken copy (a misspelled key), so a pass means something', async () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const broken = text.replace('    read_only: true', '    read_onyl: true');
    assert.notEqual(broken, text);
    const file = join(tempDir(), 'docker-compose.yml');
    writeFileSync(file, broken);
    const r = await load(file);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /read_onyl/);
  });
});
