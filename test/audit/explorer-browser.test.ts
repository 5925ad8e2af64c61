// The explorer in a real browser: Debian's chromium (scripts/install-chromium.sh), driven by
// puppeteer-core, over `authz-sidecar audit serve` processes. Screenshots go to a temp dir, or to
// SCREENSHOT_DIR (SCREENSHOT_DIR=docs/images regenerates the ones the docs show).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { DecisionEventDraft } from '../../src/decision-log/decision-event.ts';
import { eventMatcher, type EventFilter } from '../../src/audit/event-filter.ts';
import { readEvents } from '../../src/audit/read-log.ts';
import { replayLog } from '../../src/audit/replay-log.ts';
import { generateDecisionLog, NEW_REVISION, type GeneratedCounts } from '../helpers/generate-decision-log.ts';
import { spawnExplorer, type SpawnedExplorer } from '../helpers/spawn-explorer.ts';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { detailFields as fields, go, hashParams, inputValue, openPage, rendering, text, texts, waitForText } from '../helpers/explorer-page.ts';
import { ROOT, tempDir } from '../helpers/bundles.ts';
import { grantsBundle } from '../helpers/grants-bundle.ts';

const XSS_PATH = '/<img src=x onerror=alert(1)>';
const XSS_SUBJECT = '<script>window.__xss = "subject"</script>';
const XSS_REASON = '<b>bold</b><img src=x onerror="window.__xss = \'reason\'">';

/** A decision whose path, subject and reason an attacker chose: they must reach the page as text. */
const hostile: DecisionEventDraft = {
  decision_id: 'xss-0001',
  bundles: { authz: { revision: NEW_REVISION } },
  path: 'authz/decision',
  input: { subject: { sub: XSS_SUBJECT, roles: [] }, request: { method: 'GET', path: XSS_PATH, segments: ['<img src=x onerror=alert(1)>'], query: {} } },
  result: { allow: false, reasons: [XSS_REASON] },
  timestamp: '2026-11-01T23:59:59.999Z',
  metrics: {},
  subject: { sub: XSS_SUBJECT, iss: 'https://idp.example.com/realms/corp' },
  request: { method: 'GET', path: XSS_PATH },
  claims: { source: 'userinfo', cache: 'miss' },
  timings_us: { verify: 1, claims: 1, policy: 1, total: 3 },
};

const num = (n: number): string => n.toLocaleString('en');

// The hostile decision's script would set this, were it ever run.
declare const window: { __xss?: string };

describe('the decision-log explorer in a real browser (chromium, puppeteer-core)', { skip: skipWithoutChromium }, () => {
  let dir: string;
  let shots: string;
  let counts: GeneratedCounts;
  let bundle: string;
  let explorer: SpawnedExplorer;
  let tampered: SpawnedExplorer;
  let tamperedLine: number;
  let browser: Browser;
  const problems: string[] = [];

  const open = (url: string, options: { bypassCsp?: boolean } = {}): Promise<Page> => openPage(browser, url, problems, options);
  const shot = async (page: Page, name: string, fullPage = false): Promise<void> => {
    await page.screenshot({ path: join(shots, `audit-${name}.png`), fullPage });
  };
  const expected = async (filter: EventFilter): Promise<number> => {
    const match = eventMatcher(filter);
    let n = 0;
    for await (const { event } of readEvents([join(dir, 'decisions.log')])) if (match(event)) n++;
    return n;
  };

  before(async () => {
    dir = tempDir('authz-explorer-browser-');
    shots = process.env['SCREENSHOT_DIR'] ? resolve(ROOT, process.env['SCREENSHOT_DIR']) : join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'checkpoint-key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'checkpoint-public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    counts = await generateDecisionLog({ out: join(dir, 'decisions.log'), events: 3000, spanMs: 86_400_000, checkpointKey: join(dir, 'checkpoint-key.pem'), extra: [hostile] });
    bundle = grantsBundle(NEW_REVISION, dir);

    // A copy with one decision turned from deny to allow, as someone covering their tracks would.
    mkdirSync(join(dir, 'tampered'));
    const lines = readFileSync(join(dir, 'decisions.log'), 'utf8').split('\n');
    tamperedLine = lines.findIndex((l, i) => i > 1000 && l.includes('"subject":{"sub":"mallory"') && l.includes('"allow":false')) + 1;
    lines[tamperedLine - 1] = lines[tamperedLine - 1]!.replace('"allow":false', '"allow":true');
    writeFileSync(join(dir, 'tampered', 'decisions.log'), lines.join('\n'));

    [explorer, tampered, browser] = await Promise.all([
      spawnExplorer(['--key', 'checkpoint-public.pem', '--bundle', basename(bundle), 'decisions.log', 'decisions.log.checkpoints'], { cwd: dir }),
      spawnExplorer(['decisions.log'], { cwd: join(dir, 'tampered') }),
      launchChromium(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await explorer?.stop();
    await tampered?.stop();
  });

  it('shows the chain verified and the numbers the generator wrote', async () => {
    const page = await open(explorer.url);
    assert.equal(await text(page, '#banner-verdict'), 'Chain intact');
    assert.match(await text(page, '#banner'), new RegExp(`${num(counts.decisions)} records, seq 0…${num(counts.decisions - 1)}, from the first record ever`));
    assert.match(await text(page, '#banner-checkpoints'), /Checkpoints: \d+ valid signatures, \d+ match the log; the latest covers seq 3,000\./);
    const card = (kind: string) => text(page, `.card[data-kind="${kind}"] .value`);
    assert.deepEqual([await card('decisions'), await card('allow'), await card('deny'), await card('error')], [counts.decisions, counts.allow, counts.deny, counts.errors].map(num));
    const ranked = Object.entries(counts.deniedSubjects).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    assert.deepEqual((await texts(page, '#top-subjects tbody tr')).slice(0, 3), ranked.slice(0, 3).map(([s, n]) => `${s}\t${num(n)}`));
    assert.deepEqual(await texts(page, '#top-errors tbody td.key'), Object.entries(counts.errorCodes).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c));
    assert.equal(await page.$$eval('#chart-timeline canvas, #chart-revisions canvas', (c) => c.length), 2, 'uPlot drew both charts');
    await shot(page, 'overview', true);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('zooms into a time range by dragging across the timeline, and back', async () => {
    const page = await open(explorer.url);
    const box = (await (await page.$('#chart-timeline .u-over'))!.boundingBox())!;
    await rendering(page, async () => {
      await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
    });
    const hash = await hashParams(page);
    const since = new Date(hash.get('since')!);
    const until = new Date(hash.get('until')!);
    assert.ok(until > since, hash.toString());
    const n = Number((await text(page, '.card[data-kind="decisions"] .value')).replaceAll(',', ''));
    assert.equal(n, await expected({ since, until }));
    assert.ok(n > 0 && n < counts.decisions);
    assert.match(await text(page, '.hint'), /Buckets of (30 s|1 min|2 min|5 min)/, 'finer buckets for the zoomed range');
    // rendering(), not click-then-settled(): data-loading is still "false" from the last render when the click
    // lands, so settled() alone could read the zoomed numbers before the reset's render (it flaked in CI).
    await rendering(page, () => page.click('#reset-zoom'));
    assert.equal(await text(page, '.card[data-kind="decisions"] .value'), num(counts.decisions));
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('drills from a top denied subject into its decisions, and filters with the form', async () => {
    const page = await open(explorer.url);
    const [subject, denied] = Object.entries(counts.deniedSubjects).sort((a, b) => b[1] - a[1])[0]!;
    await rendering(page, () => page.click('#top-subjects tbody tr:first-child a'));
    assert.match(await text(page, '.pager .range'), new RegExp(`^1–50 of ${num(denied)} decisions, newest first$`));
    assert.deepEqual([...new Set(await texts(page, 'table.decisions td.subject'))], [subject]);
    assert.ok((await texts(page, 'table.decisions .badge')).every((b) => b === 'deny' || b.startsWith('error')));

    await go(page, 'view=decisions');
    await page.type('input[name="path"]', '/api/orders/**');
    await page.select('select[name="method"]', 'DELETE');
    await page.select('select[name="revision"]', NEW_REVISION);
    await page.select('select[name="result"]', 'deny');
    await rendering(page, () => page.click('#filters button[type="submit"]'));
    const n = await expected({ path: '/api/orders/**', method: 'DELETE', revision: NEW_REVISION, result: 'deny' });
    assert.ok(n > 0);
    assert.match(await text(page, '.pager .range'), new RegExp(`of ${num(n)} decisions`));
    assert.ok((await texts(page, 'table.decisions td.request')).every((r) => /^DELETE \/api\/orders\/\d+$/.test(r)));
    assert.equal(await inputValue(page, 'input[name="path"]'), '/api/orders/**', 'the form shows the filter in force');

    const wanted = JSON.parse(readFileSync(join(dir, 'decisions.log'), 'utf8').split('\n')[2345]!);
    await rendering(page, () => page.click('#clear'));
    await page.type('input[name="decision-id"]', wanted.decision_id);
    await rendering(page, () => page.click('#filters button[type="submit"]'));
    assert.match(await text(page, '.pager .range'), /^1–1 of 1 decisions/);
    assert.equal(await text(page, 'table.decisions td.time'), wanted.timestamp);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('opens one decision: result, claims, timings, masked input and its place in the chain', async () => {
    const page = await open(`${explorer.url}#view=decisions&subject=carol&result=deny`);
    await rendering(page, () => page.click('table.decisions tbody tr:nth-child(2) td.request'));
    const row = Number((await hashParams(page)).get('row'));
    const logged = JSON.parse(readFileSync(join(dir, 'decisions.log'), 'utf8').split('\n')[row]!);
    assert.equal(await text(page, '#detail h2'), `Decision ${logged.decision_id}`);
    assert.equal(logged.subject.sub, 'carol');
    const f = await fields(page);
    assert.deepEqual(
      {
        result: f['logged result'],
        reasons: f['reasons'],
        request: f['request'],
        subject: f['subject'],
        source: f['source'],
        cache: f['cache'],
        total: f['total'],
        revision: f['bundle revision'],
        trace: f['trace id'],
        line: f['line'],
        seq: f['seq'],
        hash: f['hash'],
        prev: f['prev'],
        record: f['record'],
        masked: f['masked'],
      },
      {
        result: logged.error ? `error: ${logged.error.code}` : 'deny',
        reasons: logged.result.reasons?.join('\n') ?? 'none',
        request: `${logged.request.method} ${logged.request.path}`,
        subject: 'carol',
        source: 'userinfo',
        cache: logged.claims.cache,
        total: num(logged.timings_us.total),
        revision: `${logged.bundles.authz.revision} (bundle authz)`,
        trace: logged.trace_id ?? 'none',
        line: `decisions.log:${row + 1}`,
        seq: num(logged.chain.seq),
        hash: logged.chain.hash,
        prev: logged.chain.prev,
        record: 'intact: its bytes match its hash',
        masked: logged.masked?.join(', ') ?? 'none',
      },
    );
    if (logged.input) {
      assert.deepEqual(JSON.parse(await text(page, '#detail-input')), logged.input);
      assert.match(await text(page, '#detail-input'), /"ip": "\*\*masked\*\*"/);
    }
    await shot(page, 'decision');
    await page.click('#close-detail');
    await page.waitForSelector('#detail', { hidden: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('renders an attacker-chosen path, subject and reason as text, even with the CSP bypassed', async () => {
    for (const bypassCsp of [true, false]) {
      const page = await open(`${explorer.url}#view=decisions&reason=${encodeURIComponent('<b>bold</b>')}`, { bypassCsp });
      assert.match(await text(page, '.pager .range'), /of 1 decisions/);
      assert.equal(await text(page, 'table.decisions td.request'), `GET ${XSS_PATH}`);
      assert.equal(await text(page, 'table.decisions td.subject'), XSS_SUBJECT);
      assert.equal(await text(page, 'table.decisions td.reason'), XSS_REASON);
      await rendering(page, () => page.click('table.decisions tbody tr td.request'));
      assert.equal((await fields(page))['request'], `GET ${XSS_PATH}`);
      assert.equal((await fields(page))['reasons'], XSS_REASON);
      if (bypassCsp) await shot(page, 'xss');
      await go(page, `view=overview&subject=${encodeURIComponent(XSS_SUBJECT)}`);
      assert.equal(await text(page, '#top-paths td.key'), `GET ${XSS_PATH}`);
      assert.equal(await text(page, '#top-reasons td.key'), XSS_REASON);
      assert.equal(await page.$$eval('main img, main b, main script, #detail img, #detail b, #detail script', (els) => els.length), 0, 'no element was made from the log');
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      await page.close();
    }
    assert.deepEqual(problems, [], 'no dialog, no script error, no CSP or Trusted Types violation');
  });

  it('shows where a tampered log breaks: the banner, the chain view, the decision', async () => {
    const page = await open(tampered.url);
    assert.equal(await text(page, '#banner-verdict'), 'Chain BROKEN: 1 problem');
    assert.match(await text(page, '#banner-first'), new RegExp(`^First: modified at decisions\\.log:${tamperedLine} \\(seq ${num(tamperedLine - 1)}\\): the record does not match its hash`));
    assert.match(await text(page, '#banner-checkpoints'), /Checkpoints not checked/);
    await shot(page, 'tampered');
    await rendering(page, () => page.click('#banner a'));
    assert.match(await text(page, 'table.problems tbody tr'), new RegExp(`^modified\\tdecisions\\.log:${tamperedLine}\\t${num(tamperedLine - 1)}\\tthe record does not match its hash`));
    await rendering(page, () => page.click('table.problems tbody tr a'));
    assert.equal((await fields(page))['record'], 'MODIFIED: its bytes do not match its hash');
    assert.match((await fields(page))['verify']!, /^modified: the record does not match its hash/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('replays every decision against the candidate bundle: what would change, by request and subject', async () => {
    const report = await replayLog([join(dir, 'decisions.log')], { bundle });
    const page = await open(`${explorer.url}#view=replay`);
    await waitForText(page, '#replay-status h2', 'Replay against');
    const cell = async (label: string) => (await texts(page, 'table.replay-counts tbody tr')).find((r) => r.startsWith(label))?.split('\t')[1];
    assert.equal(await cell('allow → deny'), num(report.allowToDeny));
    assert.equal(await cell('deny → allow'), num(report.denyToAllow));
    assert.equal(await cell('unchanged'), num(report.unchanged));
    assert.equal(await cell('not replayable'), num(report.notReplayable));
    assert.ok(report.allowToDeny > 0);
    assert.match(await text(page, '.box .pager .range'), new RegExp(`of ${num(report.allowToDeny + report.denyToAllow)} changed decisions`));
    const perSubject = (await texts(page, '#replay-subjects tbody tr')).map((r) => Number(r.split('\t')[1]!.replaceAll(',', '')));
    assert.ok(perSubject.length > 0 && perSubject.every((n, i) => i === 0 || n <= perSubject[i - 1]!), 'most changed first');
    assert.ok((await texts(page, 'table.decisions td.request')).every((r) => /^(DELETE \/api\/orders|GET \/api\/users)\//.test(r)));
    await shot(page, 'replay');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
