import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relevantRolesOf } from '../../src/policy/relevant-roles-of.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { createPolicyEngine } from '../../src/policy/policy-engine.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';

const data = {
  authz: {
    role_grants: { admin: [], 'orders-viewer': [] },
    authz_sidecar: { relevant_roles: ['admin', 'orders-viewer'] },
  },
};
const bundleError = (pattern: RegExp) => (e: unknown) => e instanceof SidecarError && e.code === 'bundle_error' && pattern.test(e.message);

describe('relevant roles of a bundle', () => {
  it("by default, the bundle's own declaration under the entrypoint's package", () => {
    const r = relevantRolesOf(data, 'authz/decision', undefined);
    assert.deepEqual([...r!.names].sort(), ['admin', 'orders-viewer']);
    assert.equal(r!.from, 'data.authz.authz_sidecar.relevant_roles');
    assert.equal(r!.kind, 'declared');
  });

  it('a bundle without a declaration: every role is seen', () => {
    assert.equal(relevantRolesOf({ authz: { role_grants: {} } }, 'authz/decision', undefined), undefined);
    assert.equal(relevantRolesOf(data, 'other/decision', undefined), undefined, "another package's declaration does not apply");
  });

  it('policy.relevantRoles overrides the declaration; `*` turns narrowing off', () => {
    const r = relevantRolesOf({ authz: { ...data.authz, role_grants: { admin: [] } } }, 'authz/decision', 'authz/role_grants');
    assert.deepEqual([...r!.names], ['admin']);
    assert.equal(r!.kind, 'configured');
    assert.equal(r!.from, 'data.authz.role_grants');
    assert.equal(relevantRolesOf(data, 'authz/decision', '*'), undefined);
  });

  it('refuses a malformed declaration and a configured path the bundle lacks', () => {
    for (const bad of ['admin', 42, ['admin', 7], null]) {
      assert.throws(() => relevantRolesOf({ authz: { authz_sidecar: { relevant_roles: bad } } }, 'authz/decision', undefined), bundleError(/data\.authz\.authz_sidecar\.relevant_roles must be a list/), String(bad));
    }
    assert.throws(() => relevantRolesOf(data, 'authz/decision', 'authz/nope'), bundleError(/data\.authz\.nope/));
  });

  it('the sample bundle declares the roles of its grants, and the engine uses them without any configuration', async () => {
    const engine = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 });
    assert.deepEqual([...engine.relevantRoles!].sort(), ['admin', 'orders-viewer']);
    assert.deepEqual(engine.relevantRolesSource, { from: 'data.authz.authz_sidecar.relevant_roles', kind: 'declared' });
  });
});
