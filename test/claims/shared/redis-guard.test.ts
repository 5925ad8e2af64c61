import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisGuard, type GuardFailure } from '../../../src/claims/shared/redis-guard.ts';

const setup = () => {
  const clock = { t: 0 };
  const failures: GuardFailure[] = [];
  const guard = createRedisGuard({ failureThreshold: 3, coolOffMs: 2000, now: () => clock.t, onFailure: (f) => failures.push(f) });
  return { clock, failures, guard };
};
const never = (): Promise<string> => new Promise(() => undefined);
const boom = (): Promise<string> => Promise.reject(new Error('ECONNREFUSED'));

describe('the Redis guard (budget and breaker)', () => {
  it('passes answers through', async () => {
    const { guard } = setup();
    assert.deepEqual(await guard.run(async () => 'v', 20), { ok: true, value: 'v' });
  });

  it('turns an error into a failure value, never a throw', async () => {
    const { guard, failures } = setup();
    const r = await guard.run(boom, 20);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.failure, 'error');
    assert.deepEqual(failures, ['error']);
  });

  it('answers "timeout" when the budget runs out, and a late rejection is not left unhandled', async () => {
    const { guard } = setup();
    // Rejected only once the guard has answered: a timer for the late rejection raced the budget's timer when a busy
    // event loop ran both in one turn (it flaked in CI), and the order is what this test is about.
    let rejectLate: (err: Error) => void = () => undefined;
    const late = (): Promise<string> => new Promise((_, reject) => (rejectLate = reject));
    const r = await guard.run(late, 5);
    assert.equal(!r.ok && r.failure, 'timeout');
    rejectLate(new Error('late'));
    await new Promise((r) => setTimeout(r, 20)); // an unhandled rejection would fail the test run here
    const r2 = await guard.run(never, 5);
    assert.equal(!r2.ok && r2.failure, 'timeout');
  });

  it('opens after 3 consecutive failures: calls are skipped until the cool-off, then one probe decides', async () => {
    const { guard, clock } = setup();
    for (let i = 0; i < 3; i++) await guard.run(boom, 20);
    assert.equal(guard.open, true);
    let called = 0;
    const counted = async (): Promise<string> => {
      called++;
      return 'ok';
    };
    const skipped = await guard.run(counted, 20);
    assert.equal(!skipped.ok && skipped.failure, 'breaker_open');
    assert.equal(called, 0, 'Redis was not called while open');
    clock.t += 2000;
    assert.deepEqual(await guard.run(counted, 20), { ok: true, value: 'ok' });
    assert.equal(called, 1);
    assert.equal(guard.open, false);
  });

  it('stays tripped after the cool-off until a call succeeds (the status reads it: no call since is not health)', async () => {
    const { guard, clock } = setup();
    assert.equal(guard.tripped, false);
    for (let i = 0; i < 2; i++) await guard.run(boom, 20);
    assert.equal(guard.tripped, false, 'below the threshold');
    await guard.run(boom, 20);
    assert.equal(guard.tripped, true);
    clock.t += 2000;
    assert.equal(guard.open, false, 'the cool-off is over: the next call is a probe');
    assert.equal(guard.tripped, true, 'but nothing has succeeded since');
    await guard.run(boom, 20);
    assert.equal(guard.tripped, true, 'a failed probe');
    clock.t += 2000;
    await guard.run(async () => 'ok', 20);
    assert.equal(guard.tripped, false, 'a successful probe');
  });

  it('a failed probe opens it for another cool-off', async () => {
    const { guard, clock } = setup();
    for (let i = 0; i < 3; i++) await guard.run(boom, 20);
    clock.t += 2000;
    await guard.run(boom, 20);
    assert.equal(guard.open, true);
    const r = await guard.run(async () => 'x', 20);
    assert.equal(!r.ok && r.failure, 'breaker_open');
  });

  it('a success resets the count of consecutive failures', async () => {
    const { guard } = setup();
    await guard.run(boom, 20);
    await guard.run(boom, 20);
    await guard.run(async () => 'ok', 20);
    await guard.run(boom, 20);
    assert.equal(guard.open, false);
  });
});
