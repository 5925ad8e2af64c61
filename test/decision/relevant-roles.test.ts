import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSubjectFilter } from '../../src/decision/relevant-roles.ts';
import { parseRoleClaims } from '../../src/claims/role-claims.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/policy-engine.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import type { Subject } from '../../src/claims/enrich-claims.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';

const engineWith = (relevant: string[] | undefined, kind: 'declared' | 'configured' = 'configured') =>
  ({ relevantRoles: relevant && new Set(relevant), relevantRolesSource: relevant && { from: 'data.x', kind } }) as unknown as PolicyEngine;

describe('subject filter (relevant roles)', () => {
  const roles = ['orders-viewer', ...Array.from({ length: 30_000 }, (_, i) => `api-${i}-reader`)];
  const subject = { sub: 's', iss: 'i', roles, realm_access: { roles, other: 1 }, name: 'n' } as unknown as Subject;
  const filter = createSubjectFilter(parseRoleClaims(['roles', 'realm_access.roles']));

  it('keeps only the roles the bundle names and drops the raw role claims', () => {
    const out = filter(subject, engineWith(['admin', 'orders-viewer']));
    assert.deepEqual(out.roles, ['orders-viewer']);
    assert.deepEqual(out['realm_access'], { other: 1 });
    assert.equal(out['name'], 'n');
    assert.equal(out.sub, 's');
    assert.equal((subject as any).realm_access.roles.length, 30_001, 'the cached subject is not modified');
  });

  it("with the bundle's own declaration, narrows roles only: raw claims (groups, role claims) stay for the policy", () => {
    const out = filter(subject, engineWith(['admin', 'orders-viewer'], 'declared'));
    assert.deepEqual(out.roles, ['orders-viewer']);
    assert.equal((out as any).realm_access.roles.length, 30_001);
    assert.equal(out['name'], 'n');
  });

  it('gives one narrowing per bundle, named by a number: the enricher keeps the narrowed subject of a cached verification by it', () => {
    const engine = engineWith(['orders-viewer'], 'declared');
    const n = filter.narrowing(engine)!;
    assert.equal(filter.narrowing(engine), n, 'the same bundle, the same narrowing');
    assert.equal(typeof n.id, 'number', 'named by a number, not by the engine (a replaced Wasm instance would stay alive)');
    assert.notEqual(filter.narrowing(engineWith(['orders-viewer'], 'declared'))!.id, n.id, 'a reloaded bundle gets another');
    assert.equal(filter.narrowing(engineWith(undefined)), undefined);
    const out = n.narrow(subject);
    assert.deepEqual(out.roles, ['orders-viewer']);
    assert.equal(Object.isFrozen(out), false, 'the enricher freezes what it keeps, with its memo');
    assert.ok(Object.isFrozen(filter(subject, engine)), 'a subject narrowed directly is frozen');
  });

  it('filters a cached role list once per bundle (same list in, same list out)', () => {
    const engine = engineWith(['orders-viewer']);
    // Frozen as src/claims/intern-roles.ts freezes the role lists the claims cache shares.
    const withCachedList = { ...subject, roles: Object.freeze([...roles]) };
    const a = filter(withCachedList, engine);
    const b = filter({ ...withCachedList }, engine);
    assert.equal(a.roles, b.roles);
    assert.notEqual(filter(withCachedList, engineWith(['orders-viewer'])).roles, a.roles, 'another bundle filters it anew');
  });

  it('leaves the subject alone when the bundle names no relevant roles', () => {
    assert.equal(filter(subject, engineWith(undefined)), subject);
  });

  it('reads the role names from the bundle data, and refuses a bundle without that data', async () => {
    const bundle = readBundle(readFileSync(SAMPLE_BUNDLE));
    const options = { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 };
    const engine = await createPolicyEngine(bundle, { ...options, relevantRoles: 'authz/role_grants' });
    assert.deepEqual([...engine.relevantRoles!].sort(), ['admin', 'orders-viewer']);
    await assert.rejects(
      createPolicyEngine(bundle, { ...options, relevantRoles: 'authz/nope' }),
      (e: unknown) => e instanceof SidecarError && e.code === 'bundle_error' && /data\.authz\.nope/.test(e.message),
    );
  });
});
