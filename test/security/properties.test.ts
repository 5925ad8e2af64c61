import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SidecarError, statusOf, type ErrorCode } from '../../src/errors/sidecar-error.ts';
import { createRemoteKeys } from '../../src/token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/token/verify-token.ts';
import { checkJoseJson, MAX_JSON_DEPTH } from '../../src/token/check-jose-json.ts';
import { normalizeRequest } from '../../src/request/normalize-request.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { b64u, startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';

/** Property runs per property: enough to shake out shallow bugs, small enough for npm test. */
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 100);
const CODES = new Set(Object.keys(statusOf));
const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);

describe('properties of the token parser', () => {
  let idp: AttackIdp;
  let verify: TokenVerifier;
  let legit: string;
  before(async () => {
    idp = await startAttackIdp();
    verify = createTokenVerifier({
      issuer: idp.issuer,
      audience: [DEMO_AUDIENCE],
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
      maxBytes: 8192,
      typ: undefined,
      hmacSecret: undefined,
      keys: createRemoteKeys({ jwksUri: `${idp.issuer}/jwks`, timeoutMs: 2000, cooldownMs: 60_000, cacheMaxAgeMs: 600_000 }),
    });
    legit = idp.sign(idp.claims());
    await verify(legit);
  });
  after(() => idp.stop());

  const refused = async (token: string): Promise<void> => {
    await assert.rejects(verify(token), (err: unknown) => err instanceof SidecarError && err.status === 401 && ['invalid_token', 'token_too_large'].includes(err.code));
  };

  it('refuses any string at all with a 401 code (never a crash, never an identity)', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')), fc.stringMatching(/^[A-Za-z0-9_.=-]{0,300}$/)), refused), { numRuns: RUNS });
  });

  it('refuses every one-edit mutation of a valid token (flip, insert or delete one character)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= ';
    const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'insert', 'delete'), ch: fc.constantFrom(...alphabet) });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ at, kind, ch }) => {
        const i = at % legit.length;
        const mutated = kind === 'delete' ? legit.slice(0, i) + legit.slice(i + 1) : legit.slice(0, i) + ch + legit.slice(i + (kind === 'flip' ? 1 : 0));
        fc.pre(mutated !== legit);
        await refused(mutated);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses tokens with arbitrary JSON headers and claims signed by an unknown key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.uint8Array({ maxLength: 300 }), async (header, claims, sig) => {
        await refused(`${b64u(JSON.stringify(header) ?? '')}.${b64u(JSON.stringify(claims) ?? '')}.${b64u(Buffer.from(sig))}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('signed by the issuer, arbitrary claims are either refused with 401 or verified with a non-empty string sub', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }), async (extra) => {
        const token = idp.sign({ ...idp.claims(), ...extra });
        try {
          const { payload } = await verify(token);
          assert.ok(typeof payload.sub === 'string' && payload.sub !== '');
          assert.equal(payload.iss, idp.issuer);
        } catch (err) {
          assert.ok(err instanceof SidecarError && err.status === 401, String(err));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties of the strict JOSE JSON check', () => {
  it('accepts exactly the objects within the depth cap and without __proto__, for any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 20 })), (obj) => {
        const text = JSON.stringify(obj);
        const hasProto = text.includes('"__proto__":');
        const ok = depthOf(obj) <= MAX_JSON_DEPTH && !hasProto;
        try {
          checkJoseJson(b64u(text), 'claims');
          assert.ok(ok, `accepted depth ${depthOf(obj)}: ${text.slice(0, 80)}`);
        } catch (err) {
          assert.ok(err instanceof SidecarError && err.code === 'invalid_token');
          assert.ok(!ok || text.includes('"__proto__"'), `refused: ${(err as Error).message} ${text.slice(0, 80)}`);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('refuses any object with a member repeated at any level, however the name is escaped', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }), fc.boolean(), fc.boolean(), (obj, nested, escape) => {
        const name = Object.keys(obj)[0]!;
        const spelled = escape ? `"${[...name].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(name);
        const inner = `${JSON.stringify(obj).slice(0, -1)},${spelled}:1}`;
        const text = nested ? `{"a":${inner}}` : inner;
        assert.throws(() => checkJoseJson(b64u(text), 'claims'), (err: unknown) => err instanceof SidecarError && /duplicate|__proto__/.test(err.message));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('properties of request normalisation', () => {
  const pathChars = fc.constantFrom('/', '.', '..', ';', '%', '%2e', '%2E', '%2f', '%25', '%00', '%0a', 'a', 'B', '~', '?', '=', '&', '#', '\\', ' ', 'é', '%c3%a9', '%ff');
  const uri = fc.oneof(fc.string(), fc.array(pathChars, { maxLength: 30 }).map((parts) => `/${parts.join('')}`));

  it('returns a path the policy can match literally, or refuses with invalid_request', () => {
    fc.assert(
      fc.property(uri, fc.string({ maxLength: 8 }), (target, method) => {
        let out;
        try {
          out = normalizeRequest(method.length ? method : 'GET', target);
        } catch (err) {
          assert.ok(err instanceof SidecarError && err.code === 'invalid_request', String(err));
          return;
        }
        assert.equal(out.path, `/${out.segments.join('/')}`);
        assert.match(out.method, /^[A-Z]+$/);
        for (const seg of out.segments) {
          assert.ok(seg !== '' && seg !== '.' && seg !== '..', `segment ${JSON.stringify(seg)} in ${out.path}`);
          assert.doesNotMatch(seg, /[/\\\u0000-\u001f\u007f]|%[0-9a-f]{2}/i);
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });
});

describe('properties of the HTTP API', () => {
  let idp: AttackIdp;
  let sc: TestSidecar;
  let admin: string;
  before(async () => {
    idp = await startAttackIdp();
    sc = await startTestSidecar(idp.issuer);
    admin = idp.sign(idp.claims());
  });
  after(async () => {
    await sc.stop();
    await idp.stop();
  });

  const expectError = async (res: Response, allowed: readonly number[]): Promise<void> => {
    const body = (await res.json()) as { code?: ErrorCode; allow?: boolean };
    assert.ok(allowed.includes(res.status), `status ${res.status} ${JSON.stringify(body)}`);
    if (res.status !== 200) assert.ok(CODES.has(body.code!), `code ${String(body.code)}`);
    assert.notEqual(body.allow, true);
  };

  it('without a valid token, no body and no Authorization value is ever allowed or answered 5xx', async () => {
    const authorization = fc.oneof(fc.constant(undefined), fc.string(), fc.string().map((s) => `Bearer ${s}`), fc.stringMatching(/^Bearer [A-Za-z0-9._~+/=-]{0,200}$/));
    const body = fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), fc.record({ method: fc.string(), path: fc.string() }).map((v) => JSON.stringify(v)));
    await fc.assert(
      fc.asyncProperty(authorization, body, async (auth, payload) => {
        let headers: Record<string, string> = { 'content-type': 'application/json' };
        if (auth !== undefined) headers = { ...headers, authorization: auth };
        let res: Response;
        try {
          res = await fetch(`${sc.url}/authorize`, { method: 'POST', headers, body: payload });
        } catch {
          return; // fetch itself refused the header value (control characters): nothing was sent
        }
        await expectError(res, [400, 401, 415]);
      }),
      { numRuns: RUNS },
    );
  });

  it('with a valid admin token, any body is either a decision (200) or a 400, never a 5xx', async () => {
    const body = fc.oneof(
      fc.record({ method: fc.constantFrom('GET', 'DELETE', 'get', 'P0ST', ''), path: fc.string(), resource: fc.jsonValue(), context: fc.dictionary(fc.string(), fc.jsonValue()) }, { requiredKeys: ['method', 'path'] }).map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await fetch(`${sc.url}/authorize`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: payload });
        const json = (await res.json()) as { allow?: boolean; code?: string };
        assert.ok([200, 400].includes(res.status), `status ${res.status} ${JSON.stringify(json)} for ${payload.slice(0, 100)}`);
        if (res.status === 200) assert.equal(typeof json.allow, 'boolean');
        else assert.equal(json.code, 'invalid_request');
      }),
      { numRuns: RUNS },
    );
  });

  it('forward-auth: any X-Forwarded-Uri is answered 200, 403 or 400 for a viewer, and 200 only inside /api/orders', async () => {
    const viewer = idp.sign(idp.claims({ roles: ['orders-viewer'] }));
    const pathChars = fc.constantFrom('/', '.', '..', ';', '%2e', '%2f', '%252e', 'api', 'orders', 'admin', '1', '//', '?', 'x=');
    await fc.assert(
      fc.asyncProperty(fc.array(pathChars, { maxLength: 12 }), async (parts) => {
        const uri = `/${parts.join('')}`;
        const res = await fetch(`${sc.url}/forward-auth`, { headers: { authorization: `Bearer ${viewer}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': uri } });
        const json = (await res.json()) as { decision_id?: string };
        assert.ok([200, 400, 403].includes(res.status), `status ${res.status} for ${uri}`);
        if (res.status === 200) {
          const seen = normalizeRequest('GET', uri).path;
          assert.ok(seen === '/api/orders' || seen.startsWith('/api/orders/'), `${uri} allowed as ${seen}`);
          assert.ok(json.decision_id);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
