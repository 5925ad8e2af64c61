import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createInFlight } from '../../src/lib/in-flight.ts';

describe('createInFlight', () => {
  it('is drained at once when nothing entered', async () => {
    assert.equal(await createInFlight().drained(1000), true);
  });

  it('resolves drained() when the last piece of work leaves, and counts a double leave once', async () => {
    const f = createInFlight();
    const a = f.enter();
    const b = f.enter();
    let done: boolean | undefined;
    const waiting = f.drained(5000).then((d) => (done = d));
    a();
    a();
    await new Promise((r) => setImmediate(r));
    assert.equal(f.count, 1);
    assert.equal(done, undefined, 'still waiting for b');
    b();
    assert.equal(await waiting, true);
    assert.equal(f.count, 0);
  });

  it('gives up after the timeout with work still running', async () => {
    const f = createInFlight();
    f.enter();
    assert.equal(await f.drained(20), false);
    assert.equal(f.count, 1);
  });
});
