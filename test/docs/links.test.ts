/**
 * The README is a newcomer's five minutes and links to everything deep (issue 17): every relative link and
 * anchor in the repository's Markdown must resolve, and the README must stay short.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { anchorsOf, linksOf, markdownFiles, slugOf } from './markdown-links.ts';

const README_MAX_BYTES = 15 * 1024;

/** Why a link does not resolve, or undefined when it does. */
function brokenReason(fromFile: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not checked here
  const hash = target.indexOf('#');
  const pathPart = decodeURI(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = pathPart === '' ? join(ROOT, fromFile) : join(ROOT, dirname(fromFile), pathPart);
  if (relative(ROOT, file).startsWith('..')) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return 'an anchor on a file that is not Markdown';
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor) ? undefined : `no heading #${anchor} in ${relative(ROOT, file)}`;
}

describe('Markdown links', () => {
  const files = markdownFiles(ROOT);

  it('finds the README, docs/ and the moved sections', () => {
    for (const f of ['README.md', 'docs/security.md', 'docs/deploy.md', 'docs/keycloak.md', 'test/fuzz/README.md', 'bench/README.md']) {
      assert.ok(files.includes(f), `${f} is scanned`);
    }
  });

  for (const file of files) {
    it(`every relative link and anchor in ${file} resolves`, () => {
      const broken = linksOf(readFileSync(join(ROOT, file), 'utf8'))
        .map((l) => ({ ...l, why: brokenReason(file, l.target) }))
        .filter((l) => l.why !== undefined)
        .map((l) => `${file}:${l.line} ${l.target}: ${l.why}`);
      assert.deepEqual(broken, []);
    });
  }

  it(`README.md stays under ${README_MAX_BYTES} bytes`, () => {
    const size = statSync(join(ROOT, 'README.md')).size;
    assert.ok(size < README_MAX_BYTES, `README.md is ${size} bytes; move the detail to docs/ and link to it`);
  });
});

describe('the link checker itself', () => {
  it('finds a broken file link, a broken anchor and ignores links inside code', () => {
    assert.match(brokenReason('README.md', 'docs/no-such-file.md') ?? '', /does not exist/);
    assert.match(brokenReason('README.md', 'docs/security.md#no-such-heading') ?? '', /no heading/);
    assert.equal(brokenReason('README.md', 'docs/security.md'), undefined);
    assert.deepEqual(linksOf('```\n[a](missing.md)\n```\n`[b](missing.md)` [c](real.md)').map((l) => l.target), ['real.md']);
  });

  it("makes GitHub's heading slugs", () => {
    assert.equal(slugOf('Realm design (`authz-demo`)'), 'realm-design-authz-demo');
    assert.equal(slugOf('### `POST /authorize`'.replace(/^#+ /, '')), 'post-authorize');
    assert.equal(slugOf('Token size: subject-only vs roles in the token'), 'token-size-subject-only-vs-roles-in-the-token');
    assert.deepEqual([...anchorsOf('# A\n## A\n<a id="x"></a>')], ['a', 'a-1', 'x']);
    assert.ok(anchorsOf('## Realm design (`authz-demo`)\n').has('realm-design-authz-demo'), 'a heading keeps its code text');
  });
});
