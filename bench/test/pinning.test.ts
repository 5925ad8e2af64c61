import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastCores } from '../src/lib/pinning.ts';

test('a target given N cores gets the last N: on a 2-core machine both, the load generator\'s included', () => {
  assert.equal(lastCores({ cores: 2, pins: true }, 2), '0-1');
  assert.equal(lastCores({ cores: 4, pins: true }, 2), '2-3');
  assert.equal(lastCores({ cores: 4, pins: true }, 1), '3');
  assert.equal(lastCores({ cores: 2, pins: true }, 3), '0-1');
  assert.equal(lastCores({ cores: 1, pins: false }, 2), undefined);
});
