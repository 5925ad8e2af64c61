import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileMasks, maskEvent, looksLikeCredential, MASKED_VALUE } from '../../src/decision-log/mask-event.ts';
import { maskPolicyOf } from '../../src/decision-log/mask-policy.ts';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/policy-engine.ts';
import { loadSettings } from '../../src/runtime/settings.ts';
import { buildBundle, FIXTURE_POLICIES, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { draft, jsonLines } from './helpers.ts';
import { freezeWithMemo, SerialMemo } from '../../src/lib/memo-slot.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const DEFAULTS = compileMasks({ erase: ['/input/request/query/access_token'], mask: [], eraseTokens: true });

const withInput = (input: Record<string, unknown>) => draft(1, { input }) as unknown as Record<string, unknown>;

describe('masking', () => {
  it('by default removes a token passed as a query parameter, any Authorization header, and token-shaped strings, and records each', () => {
    const input = {
      subject: { sub: 'bob', roles: ['r'] },
      request: { method: 'GET', path: '/x', query: { access_token: [JWT], page: ['2'] } },
      context: { headers: { Authorization: `Bearer ${JWT}`, 'X-Request-Id': 'abc' }, forwarded: [JWT, 'plain'], note: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' },
    };
    const m = maskEvent(withInput(input), DEFAULTS);
    const out = m.event['input'] as any;
    assert.deepEqual(out.request.query, { page: ['2'] });
    assert.deepEqual(out.context.headers, { 'X-Request-Id': 'abc' });
    assert.deepEqual(out.context.forwarded, [MASKED_VALUE, 'plain']);
    assert.equal(out.context.note, undefined);
    assert.deepEqual(m.erased.sort(), ['/input/context/headers/Authorization', '/input/context/note', '/input/request/query/access_token'].sort());
    assert.deepEqual(m.masked, ['/input/context/forwarded/0']);
    assert.ok(!JSON.stringify(m.event).includes('eyJ'), 'no token survives');
  });

  it('never modifies the input the policy saw (it is shared with the claims cache)', () => {
    const input = Object.freeze({
      subject: Object.freeze({ sub: 'bob', email: 'bob@example.com' }),
      request: Object.freeze({ method: 'GET', path: '/x', query: Object.freeze({ access_token: Object.freeze(['t']) }) }),
    });
    const before = JSON.stringify(input);
    const m = maskEvent(withInput(input), compileMasks({ erase: ['/input/subject/email', '/input/request/query/access_token'], mask: [], eraseTokens: true }));
    assert.equal(JSON.stringify(input), before);
    assert.equal((m.event['input'] as any).subject.email, undefined);
    assert.equal((m.event['input'] as any).request.method, 'GET');
  });

  it('a frozen (cached) subject is scrubbed on every event: one with a credential in it is cleaned each time, a clean one stays as it is', () => {
    const dirty = Object.freeze({ sub: 'bob', roles: Object.freeze(['r']), note: JWT });
    const tidy = Object.freeze({ sub: 'bob', roles: Object.freeze(['r']) });
    for (let i = 0; i < 3; i++) {
      const m = maskEvent(withInput({ subject: dirty, request: { method: 'GET', path: '/x' } }), DEFAULTS);
      assert.equal((m.event['input'] as any).subject.note, undefined, `event ${i}`);
      assert.deepEqual(m.erased, ['/input/subject/note']);
      const c = maskEvent(withInput({ subject: tidy, request: { method: 'GET', path: '/x', query: { access_token: [JWT] } } }), DEFAULTS);
      assert.equal((c.event['input'] as any).subject, tidy, 'nothing to mask: the same object');
      assert.deepEqual(c.erased, ['/input/request/query/access_token']);
    }
  });

  it('a cached subject found clean is walked once; one with a credential in it is cleaned on every event', () => {
    let walks = 0;
    const tidy = freezeWithMemo({ get sub() { walks++; return 'bob'; }, roles: Object.freeze(['r']) }, new SerialMemo());
    const dirty = freezeWithMemo({ sub: 'bob', note: JWT }, new SerialMemo());
    for (let i = 0; i < 3; i++) {
      const c = maskEvent(withInput({ subject: tidy, request: { method: 'GET', path: '/x' } }), DEFAULTS);
      assert.equal((c.event['input'] as any).subject, tidy);
      const m = maskEvent(withInput({ subject: dirty, request: { method: 'GET', path: '/x' } }), DEFAULTS);
      assert.equal((m.event['input'] as any).subject.note, undefined, `event ${i}`);
      assert.deepEqual(m.erased, ['/input/subject/note']);
    }
    assert.equal(walks, 1);
  });

  it('the logger writes a frozen subject from its remembered JSON, byte for byte as JSON.stringify would', async () => {
    const file = join(tempDir(), 'decisions.log');
    const log = createDecisionLogger({ target: file, bufferEvents: 10, masking: DEFAULTS });
    await log.start();
    // Frozen as src/claims/enrich-claims.ts freezes the narrowed subject it keeps.
    const subject = freezeWithMemo({ sub: 'bob', name: 'B\u00f6b "the" <builder>', roles: Object.freeze(['r', 'é']) }, new SerialMemo());
    log.log(draft(0, { input: { subject, request: { method: 'GET', path: '/x' } } }));
    log.log(draft(1, { input: { subject: { ...subject }, request: { method: 'GET', path: '/x' } } }));
    await log.stop();
    const [a, b] = readFileSync(file, 'utf8').split('\n');
    const inputOf = (line: string) => JSON.stringify(JSON.parse(line).input);
    assert.equal(inputOf(a!), inputOf(b!));
    assert.ok(a!.includes(JSON.stringify({ subject, request: { method: 'GET', path: '/x' } })), a);
  });

  it('masks configured pointers only where present, escapes ~1 and ~0, and leaves other values alone', () => {
    const input = { subject: { sub: 'bob', 'a/b': 'secret', 'c~d': 'x' }, context: { ip: '10.0.0.7' } };
    const m = maskEvent(withInput(input), compileMasks({ erase: ['/input/subject/c~0d'], mask: ['/input/context/ip', '/input/subject/a~1b', '/input/nope/deeper'], eraseTokens: false }));
    const out = m.event['input'] as any;
    assert.equal(out.context.ip, MASKED_VALUE);
    assert.equal(out.subject['a/b'], MASKED_VALUE);
    assert.equal(out.subject['c~d'], undefined);
    assert.deepEqual(m.masked, ['/input/context/ip', '/input/subject/a~1b']);
    assert.deepEqual(m.erased, ['/input/subject/c~0d']);
  });

  it('recognises credentials by shape', () => {
    for (const s of [JWT, `${JWT}.x.y`, 'Bearer abc', 'bearer abc', 'Basic abc=', 'DPoP abc']) assert.ok(looksLikeCredential(s), s);
    for (const s of ['eyJ', 'hello', 'bearer', '/api/orders/1', 'orders-viewer']) assert.ok(!looksLikeCredential(s), s);
  });

  it('refuses mask pointers outside /input and /result at startup, naming the key', () => {
    assert.throws(
      () => loadSettings({ env: {}, base: { issuer: 'https://idp.example', 'decisionLog.erase': ['/decision_id'] } }),
      /config key 'decisionLog.erase': '\/decision_id' must start with \/input or \/result/,
    );
    assert.throws(() => loadSettings({ env: {}, base: { issuer: 'https://idp.example', 'decisionLog.mask': ['input/x'] } }), /decisionLog.mask.*not a JSON pointer/);
  });
});

describe("the bundle's mask policy (data.system.log.mask, built by the real opa)", () => {
  let engine: PolicyEngine;
  before(async () => {
    const bundle = buildBundle(join(FIXTURE_POLICIES, 'masked'), join(tempDir(), 'masked.tar.gz'));
    engine = await createPolicyEngine(readBundle(readFileSync(bundle)), { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 });
  });

  it('is found in a bundle built from a directory with package system.log, and not in the sample bundle', async () => {
    assert.ok(maskPolicyOf(engine));
    const sample = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 });
    assert.equal(maskPolicyOf(sample), undefined);
  });

  it('erases and upserts what the policy says, conditioned on the event, and the logger writes the result', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger({ target: file, bufferEvents: 10, masking: DEFAULTS });
    await log.start();
    const input = { subject: { sub: 'bob', email: 'bob@example.com', roles: ['r'] }, request: { method: 'GET', path: '/x' }, context: { ip: '10.0.0.7' } };
    log.log(draft(0, { input, result: { allow: true, reasons: ['masked fixture'] } }), maskPolicyOf(engine));
    log.log(draft(1, { input, result: { allow: false, reasons: ['masked fixture'] } }), maskPolicyOf(engine));
    await log.stop();
    const [allowed, denied] = jsonLines(readFileSync(file, 'utf8'));
    assert.equal(allowed.input.subject.email, undefined);
    assert.equal(allowed.input.context.ip, 'x.x.x.x');
    assert.deepEqual(allowed.erased, ['/input/subject/email']);
    assert.deepEqual(allowed.masked, ['/input/context/ip']);
    assert.deepEqual(allowed.result.reasons, ['masked fixture']);
    assert.equal(denied.result.reasons, undefined);
    assert.deepEqual(denied.erased.sort(), ['/input/subject/email', '/result/reasons']);
    assert.equal(denied.result.allow, false, 'masking never touches the decision itself');
  });

  it('fails closed: when the mask policy fails, the whole input is erased and the reason recorded', () => {
    const failing = () => {
      throw new Error('boom');
    };
    const m = maskEvent(withInput({ subject: { sub: 'bob', email: 'bob@example.com' } }), DEFAULTS, failing);
    assert.equal(m.event['input'], undefined);
    assert.deepEqual(m.erased, ['/input']);
    assert.match(m.error ?? '', /mask policy failed: boom/);
    const garbage = maskEvent(withInput({ a: 1 }), DEFAULTS, () => [{ op: 'upsert', path: '/labels/id', value: 'x' }]);
    assert.equal(garbage.event['input'], undefined);
    assert.match(garbage.error ?? '', /must start with \/input or \/result/);
  });
});
