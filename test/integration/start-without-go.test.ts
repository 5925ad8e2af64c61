/**
 * Regression test for issue 17: `npm start` used to build OPA from source with Go before the demo could
 * start. Here `npm start` runs in a copy of the repository's tracked files (what a fresh clone has, with
 * this checkout's node_modules linked in), with no `.tools/` (so no opa) and every directory holding a `go`
 * executable taken off the PATH, and must reach /ready within a minute.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';

const READY_WITHIN_MS = 60_000;

/** A copy of the files git tracks (as they are in the working tree): what a fresh clone has. */
function cloneLikeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'start-without-go-'));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/**
 * PATH with every `go` gone: a directory that holds one is replaced by a copy made of symlinks to everything
 * else in it (so a `go` in /usr/bin does not take bash, tar and npm away with it).
 */
function pathWithoutGo(scratch: string): string {
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d, i) => {
      if (!existsSync(join(d, 'go'))) return d;
      const copy = join(scratch, `path-${i}`);
      mkdirSync(copy);
      for (const name of readdirSync(d)) if (name !== 'go') symlinkSync(join(d, name), join(copy, name));
      return copy;
    })
    .join(delimiter);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

it('npm start reaches /ready on a fresh clone with no go on the PATH and no opa installed', async () => {
  const dir = cloneLikeCopy();
  const scratch = mkdtempSync(join(tmpdir(), 'start-without-go-path-'));
  const PATH = pathWithoutGo(scratch);
  assert.throws(() => execFileSync('bash', ['-c', 'command -v go'], { env: { PATH }, stdio: 'ignore' }), 'go is off the PATH');
  assert.equal(existsSync(join(dir, '.tools')), false);

  const env = { PATH, HOME: process.env['HOME'] ?? dir, AUTHZ_DEMO_IDP_PORT: String(await freePort()), AUTHZ_LISTEN: '127.0.0.1:0' };
  const child = spawn('npm', ['start'], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = Date.now();
  try {
    let ready: Response | undefined;
    while (Date.now() - started < READY_WITHIN_MS && child.exitCode === null) {
      const url = /sidecar\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      if (url) {
        ready = await fetch(`${url}/ready`).catch(() => undefined);
        if (ready?.status === 200) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(ready?.status, 200, `no 200 from /ready within ${READY_WITHIN_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stderr, /bundles\/authz\.tar\.gz is up to date/);
    assert.doesNotMatch(stderr, /install-opa/);
  } finally {
    if (child.exitCode === null) {
      process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the demo: the group this test started
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});

it('a command that needs opa and cannot build it says what to install: npm run build:policies after a policy change, without go', () => {
  const dir = cloneLikeCopy();
  const scratch = mkdtempSync(join(tmpdir(), 'start-without-go-path-'));
  try {
    appendFileSync(join(dir, 'rego/authz/policy.rego'), '\n# changed\n');
    const r = spawnSync('npm', ['run', 'build:policies'], { cwd: dir, env: { PATH: pathWithoutGo(scratch), HOME: process.env['HOME'] ?? dir }, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /install-opa: the pinned OPA CLI \(v[\d.]+\) is needed here, .* but 'go' is not on PATH\. Install Go 1\.26 or later/s);
    assert.match(r.stderr, /build-policies: error: the pinned opa is needed to build bundles\/authz\.tar\.gz from rego\/authz/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});
