import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAudienceRate } from '../../src/tokens/audience-rate.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

test('a bucket per audience: the burst, then rate_limited (429) for that audience alone, refilled with time', () => {
  let clock = 0;
  const rate = createAudienceRate(60, () => clock);
  for (let i = 0; i < 60; i++) rate.take('service-b');
  assert.throws(() => rate.take('service-b'), (e: unknown) => e instanceof SidecarError && e.code === 'rate_limited' && e.status === 429);
  rate.take('service-c');
  clock += 1000; // one per second at 60 per minute
  rate.take('service-b');
  assert.throws(() => rate.take('service-b'), SidecarError);
});
