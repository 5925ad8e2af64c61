import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreaker } from '../../src/claims/circuit-breaker.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

const fail = () => Promise.reject(new SidecarError('claims_unavailable', 'userinfo answered 502'));
const ok = () => Promise.resolve('ok');

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, fails fast while open, and a probe closes it', async () => {
    const c = { t: 0 };
    const transitions: string[] = [];
    const b = createCircuitBreaker({ name: 'userinfo', failureThreshold: 3, coolOffMs: 1000, now: () => c.t, onStateChange: (_n, f, t) => transitions.push(`${f}>${t}`) });
    for (let i = 0; i < 3; i++) await assert.rejects(b.run(fail));
    assert.equal(b.status.state, 'open');
    let called = false;
    await assert.rejects(b.run(async () => ((called = true), 'x')), (e: SidecarError) => e.code === 'claims_unavailable' && /circuit open/.test(e.message));
    assert.equal(called, false);
    c.t += 1000;
    assert.equal(await b.run(ok), 'ok');
    assert.equal(b.status.state, 'closed');
    assert.deepEqual(transitions, ['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('lets exactly one probe through when half-open; a failed probe opens it again', async () => {
    const c = { t: 0 };
    const b = createCircuitBreaker({ name: 'userinfo', failureThreshold: 1, coolOffMs: 1000, now: () => c.t });
    await assert.rejects(b.run(fail));
    c.t += 1000;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const probe = b.run(async () => (calls++, await gate, fail()));
    const others = await Promise.allSettled([b.run(ok), b.run(ok)]);
    assert.ok(others.every((r) => r.status === 'rejected'));
    release();
    await assert.rejects(probe);
    assert.equal(calls, 1);
    assert.equal(b.status.state, 'open');
    await assert.rejects(b.run(ok), /circuit open/);
  });

  it('counts only IdP failures: a refusal resets the count', async () => {
    const b = createCircuitBreaker({ name: 'userinfo', failureThreshold: 2, coolOffMs: 1000 });
    await assert.rejects(b.run(fail));
    await assert.rejects(b.run(() => Promise.reject(new SidecarError('claims_rejected', '401'))));
    await assert.rejects(b.run(fail));
    assert.equal(b.status.state, 'closed');
  });
});
