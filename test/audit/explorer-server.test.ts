import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildLogIndex, type LogIndex } from '../../src/audit/explorer/log-index.ts';
import { CONTENT_SECURITY_POLICY, isLoopback, startExplorerServer, type ExplorerServer } from '../../src/audit/explorer/explorer-server.ts';
import { runAudit } from '../../src/audit/audit-cli.ts';
import { generateDecisionLog, type GeneratedCounts } from '../helpers/generate-decision-log.ts';
import { requestOnce } from '../helpers/raw-http.ts';
import { spawnExplorer } from '../helpers/spawn-explorer.ts';
import { tempDir } from '../helpers/bundles.ts';

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
};

describe('audit serve: the explorer\'s HTTP server', () => {
  let log: string;
  let counts: GeneratedCounts;
  let index: LogIndex;
  let server: ExplorerServer;
  before(async () => {
    log = join(tempDir('authz-explorer-server-'), 'decisions.log');
    counts = await generateDecisionLog({ out: log, events: 500 });
    index = await buildLogIndex([log]);
    server = await startExplorerServer({ index, host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server?.close();
  });

  it('serves the page, its scripts and uPlot from the package, every answer with the strict CSP and no caching of data', async () => {
    const page = await get(server.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.includes('/assets/app.js') && refs.includes('/assets/vendor/uPlot.min.css'), refs.join(' '));
    assert.doesNotMatch(page.body, /<script>|<style|\sstyle=|\son[a-z]+=|https?:\/\//, 'nothing inline, nothing from another host');
    for (const ref of refs.filter((r) => r.startsWith('/'))) assert.equal((await get(new URL(ref, server.url).href)).status, 200, ref);
    const uplot = await get(new URL('/assets/vendor/uPlot.esm.js', server.url).href);
    assert.equal(uplot.body, readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'), 'utf8'));
    assert.equal(uplot.headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const path of ['/', '/assets/app.js', '/api/status', '/api/nope', '/nope']) {
      const r = await get(new URL(path, server.url).href);
      assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';/);
    assert.match(CONTENT_SECURITY_POLICY, /require-trusted-types-for 'script'/);
    assert.equal((await get(new URL('/api/status', server.url).href)).headers.get('cache-control'), 'no-store');
  });

  it('every script the page imports is served (the module graph is complete)', async () => {
    const seen = new Set<string>();
    const visit = async (path: string): Promise<void> => {
      if (seen.has(path)) return;
      seen.add(path);
      const r = await get(new URL(path, server.url).href);
      assert.equal(r.status, 200, path);
      for (const m of r.body.matchAll(/^import .* from '(\.{1,2}\/[^']+)';$/gm)) await visit(new URL(m[1]!, new URL(path, server.url)).pathname);
    };
    await visit('/assets/app.js');
    assert.ok(seen.has('/assets/vendor/uPlot.esm.js') && seen.size > 8, [...seen].join(' '));
  });

  it('is read-only and answers only requests addressed to loopback (no DNS rebinding)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await requestOnce(server.url, method, '/api/status', { host: `127.0.0.1:${server.port}` }, '');
      assert.equal(r.status, 405, method);
      assert.equal(r.headers['allow'], 'GET, HEAD');
    }
    const evil = await requestOnce(server.url, 'GET', '/api/status', { host: `attacker.example:${server.port}` });
    assert.equal(evil.status, 403);
    assert.equal(JSON.parse(evil.body).code, 'forbidden');
    assert.equal((await requestOnce(server.url, 'GET', '/', { host: `attacker.example:${server.port}` })).status, 403, 'the page too');
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) assert.equal((await requestOnce(server.url, 'GET', '/api/status', { host })).status, 200, host);
  });

  it('answers the API with counts and pages computed on the server', async () => {
    const api = async (path: string) => JSON.parse((await get(new URL(path, server.url).href)).body);
    const status = await api('/api/status');
    assert.equal(status.decisions, 500);
    assert.equal(status.verify.ok, true);
    assert.deepEqual(status.choices.errorCodes, Object.keys(counts.errorCodes).sort());
    const sum = await api('/api/summary?result=deny');
    assert.equal(sum.summary.decisions, counts.deny);
    const page = await api('/api/decisions?limit=3');
    assert.deepEqual([page.total, page.items.length, page.items[0].row], [500, 3, 499], 'newest first');
    const asc = await api('/api/decisions?limit=3&offset=2&order=asc');
    assert.equal(asc.items[0].row, 2);
    const last = JSON.parse(readFileSync(log, 'utf8').trimEnd().split('\n').at(-1)!);
    assert.deepEqual([page.items[0].subject ?? null, page.items[0].time], [last.subject?.sub ?? null, last.timestamp]);
    const detail = await api('/api/decisions/499');
    assert.equal(detail.event.decision_id, last.decision_id);
    const byId = await api(`/api/decisions?decision-id=${encodeURIComponent(last.decision_id)}`);
    assert.deepEqual([byId.total, byId.items[0].row], [1, 499], 'one decision by its id');
  });

  it('refuses bad filters and paging with 400 naming the parameter, and unknown decisions with 404', async () => {
    const bad = async (q: string, match: RegExp) => {
      const r = await get(new URL(`/api/decisions?${q}`, server.url).href);
      assert.equal(r.status, 400, q);
      assert.match(JSON.parse(r.body).message, match, q);
    };
    await bad('result=maybe', /result must be allow, deny or error/);
    await bad('since=yesterday', /since must be an ISO 8601 time/);
    await bad('subjekt=bob', /unknown parameter 'subjekt'/);
    await bad('limit=201', /limit must be an integer from 1 to 200/);
    await bad('offset=-1', /offset must be/);
    await bad('order=random', /order must be asc or desc/);
    assert.equal((await get(new URL('/api/decisions/500', server.url).href)).status, 404);
    assert.equal((await get(new URL('/api/replay', server.url).href)).status, 404, 'no --bundle, no replay');
  });

  it('needs the access token on the API when it has one; the page itself is public', async () => {
    const guarded = await startExplorerServer({ index, host: '127.0.0.1', port: 0, token: 's3cret-token' });
    try {
      const api = new URL('/api/status', guarded.url).href;
      assert.equal((await get(api)).status, 401);
      assert.equal(JSON.parse((await get(api)).body).code, 'admin_unauthorized');
      assert.equal((await get(api, { authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await get(api, { authorization: 'Basic s3cret-token' })).status, 401);
      assert.equal((await get(api, { authorization: 'Bearer s3cret-token' })).status, 200);
      assert.equal((await get(guarded.url)).status, 200);
    } finally {
      await guarded.close();
    }
    await assert.rejects(startExplorerServer({ index, host: '0.0.0.0', port: 0 }), /access token is required/);
    assert.deepEqual(['127.0.0.1', '127.0.1.1', '::1', 'localhost', '0.0.0.0', '::', '10.0.0.1', '127.0.0.1.example'].map(isLoopback), [true, true, true, true, false, false, false, false]);
  });
});

describe('authz-sidecar audit serve (the real CLI)', () => {
  it('indexes, prints the address, serves, and stops on SIGTERM with exit 0', async () => {
    const log = join(tempDir('authz-explorer-cli-'), 'decisions.log');
    await generateDecisionLog({ out: log, events: 200 });
    const ex = await spawnExplorer([log]);
    try {
      assert.match(ex.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(ex.stderr(), /200 decisions indexed in [\d.]+ s .*chain intact/);
      const status = JSON.parse(await (await fetch(new URL('/api/status', ex.url))).text());
      assert.equal(status.decisions, 200);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  it('explains its usage and exits 2 on usage errors', async () => {
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const status = await runAudit(args, { out: (t) => (out += t), err: (t) => (err += t) });
      return { status, out, err };
    };
    assert.match((await run(['serve', '--help'])).out, /Usage: authz-sidecar audit serve/);
    assert.match((await run(['--help'])).out, /serve +a local web page/);
    assert.equal((await run(['serve'])).status, 2);
    assert.match((await run(['serve', '--port', 'http', 'x.log'])).err, /--port must be 0..65535/);
    assert.match((await run(['serve', '--bundle', '/nonexistent.tar.gz', 'x.log'])).err, /ENOENT/);
  });
});
