import { it } from 'node:test';
import assert from 'node:assert/strict';
import { missingEntrypoint } from '../../src/policy/policy-engine.ts';

const HAS = ['authz/decision', 'authz/allow'];

it('a missing entrypoint lists the ones the bundle has and guesses the usual slips', () => {
  for (const [wanted, guess] of [
    ['authz.decision', 'authz/decision'],
    ['data.authz.decision', 'authz/decision'],
    ['data/authz/allow', 'authz/allow'],
    ['authz', 'authz/decision'],
  ] as const) {
    const msg = missingEntrypoint(wanted, HAS);
    assert.ok(msg.startsWith(`bundle has no entrypoint '${wanted}' (it has: authz/decision, authz/allow); did you mean '${guess}'?`), msg);
    assert.match(msg, /Set policy\.entrypoint \(AUTHZ_ENTRYPOINT\) to one of them/);
  }
});

it('makes no guess when nothing is close, and says when the bundle has none', () => {
  assert.doesNotMatch(missingEntrypoint('orders/decision', HAS), /did you mean/);
  assert.match(missingEntrypoint('authz/decision', []), /\(it has: none\)/);
});
