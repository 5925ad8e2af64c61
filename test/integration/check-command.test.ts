import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';

const BIN = join(ROOT, 'bin/authz-sidecar.js');

/** Runs the CLI asynchronously (the test IdP lives in this process and must keep answering). */
function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('authz-sidecar check', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('documents itself with --help', async () => {
    const r = await run(['check', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: authz-sidecar check/);
    assert.match(r.stdout, /--token/);
    assert.match(r.stdout, /--input/);
    assert.match((await run(['--help'])).stdout, /check\s+evaluate a token or an input file/);
  });

  it('verifies a real token, fetches roles from userinfo, and prints decision, reasons and input (exit 0 allow, 1 deny)', async () => {
    const env = { AUTHZ_ISSUER: idp.issuer };
    const bob = await idp.token('bob');
    const allow = await run(['check', '--token', bob, '-m', 'GET', '-p', '/api/orders/1', '--json'], env);
    assert.equal(allow.status, 0, allow.stderr);
    const out = JSON.parse(allow.stdout);
    assert.equal(out.allow, true);
    assert.deepEqual(out.input.subject.roles, ['orders-viewer']);
    assert.equal(out.input.subject.sub, 'bob');
    const deny = await run(['check', '--token', bob, '-m', 'DELETE', '-p', '/api/orders/1'], env);
    assert.equal(deny.status, 1);
    assert.match(deny.stdout, /decision:\s+deny/);
    assert.match(deny.stdout, /no grant matches DELETE \/api\/orders\/1/);
    assert.match(deny.stdout, /"segments": \[/);
    assert.ok(!deny.stdout.includes(bob), 'the token is not printed');
  });

  it('evaluates an input file, and decodes a token without verification only when asked', async () => {
    const file = join(tempDir(), 'input.json');
    writeFileSync(file, JSON.stringify({ subject: { roles: ['admin'] }, request: { method: 'DELETE', path: '/api/x' } }));
    const r = await run(['check', '--input', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /role admin \(direct\) allows/);
    const forged = await idp.signed({ sub: 'eve', roles: ['admin'] });
    const unverified = await run(['check', '--token', forged, '--unverified', '-m', 'DELETE', '-p', '/api/x']);
    assert.equal(unverified.status, 0);
    assert.match(unverified.stdout, /NOT verified/);
    const noIssuer = await run(['check', '--token', forged, '-p', '/api/x']);
    assert.equal(noIssuer.status, 2);
    assert.match(noIssuer.stderr, /issuer/);
  });

  it('exits 3 when it cannot evaluate: invalid token, refused bundle', async () => {
    const bad = await run(['check', '--token', 'not.a.jwt', '-p', '/'], { AUTHZ_ISSUER: idp.issuer });
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /invalid_token/);
    const junk = join(tempDir(), 'junk.tar.gz');
    writeFileSync(junk, 'junk');
    const refused = await run(['check', '--bundle', junk, '--input', junk]);
    assert.equal(refused.status, 3);
    assert.match(refused.stderr, /bundle_error/);
  });
});
