/**
 * The sample bundles are committed so that `npm start` needs no opa and no Go (issue 17). These tests prove
 * that what is committed is exactly what rego/ builds to with the pinned opa, comparing the files inside
 * the tarballs, and that the comparison ignores what a rebuild may change (tar headers, gzip bytes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { checkCommittedBundles, diffBundleFiles } from '../../scripts/check-bundles.ts';
import { ROOT, SAMPLE_BUNDLE } from '../helpers/bundles.ts';
import { packTar } from '../helpers/tar.ts';

describe('committed bundles', () => {
  it('bundles/*.tar.gz hold exactly the files rego/ builds to', () => {
    assert.deepEqual(checkCommittedBundles(ROOT), []);
  });

  it('compares the files inside, not the archive bytes: a repacked bundle with the same files matches', () => {
    const original = readBundle(readFileSync(SAMPLE_BUNDLE)).files;
    const repacked = gzipSync(gunzipSync(packTar(original)), { level: 1 });
    assert.notDeepEqual(repacked, readFileSync(SAMPLE_BUNDLE));
    assert.deepEqual(diffBundleFiles(original, readBundle(repacked).files), []);
  });

  it('names a changed, a missing and an extra file', () => {
    const committed = new Map([['/data.json', Buffer.from('{"a":1}')], ['/old.rego', Buffer.from('package old')], ['/policy.wasm', Buffer.from('w')]]);
    const built = new Map([['/data.json', Buffer.from('{"a":2}')], ['/new.rego', Buffer.from('package new')], ['/policy.wasm', Buffer.from('w')]]);
    assert.deepEqual(diffBundleFiles(committed, built), [
      '/data.json: differs (committed 7 bytes, built 7 bytes)',
      '/new.rego: missing from the committed bundle',
      '/old.rego: in the committed bundle, not in the build',
    ]);
  });
});
