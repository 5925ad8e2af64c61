import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, jwtVerify, SignJWT, generateKeyPair } from 'jose';
import { requestToken, type TokenRequest } from '../../src/tokens/request-token.ts';
import type { ClientCredentials } from '../../src/tokens/tokens-settings.ts';
import { sendJson, startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';

/**
 * The token endpoint's answers, good and bad, each produced by a real node:http server: what the
 * sidecar does with them (src/tokens/request-token.ts). The grant itself is exercised against
 * oauth2-mock-server in token-service.test.ts.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, form: URLSearchParams) => void;
let server: LocalServer;
let handle: Handler;
let seen: { headers: IncomingMessage['headers']; form: URLSearchParams }[] = [];
const key = await generateKeyPair('RS256');

before(async () => {
  server = await startLocalServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push({ headers: req.headers, form });
      handle(req, res, form);
    });
  });
});
after(() => server.close());

const basic: ClientCredentials = { method: 'client_secret_basic', clientId: 'svc a', clientSecret: 's3cret:+/' };
const ask = (over: Partial<TokenRequest> = {}): TokenRequest => ({
  endpoint: `${server.origin}/token`,
  credentials: basic,
  params: { grant_type: 'client_credentials', audience: 'service-b' },
  timeoutMs: 500,
  audience: { value: 'service-b', rule: 'includes' },
  ...over,
});
const jwt = (claims: Record<string, unknown>, expSeconds = 300): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds).sign(key.privateKey);
const answer = (body: unknown, status = 200): Handler => (_req, res) => sendJson(res, status, body);

describe('requestToken', () => {
  test('client_secret_basic: id and secret form-encoded in HTTP Basic, never in the form; the answer checked and timed', async () => {
    seen = [];
    const token = await jwt({ aud: ['service-b', 'account'] }, 120);
    handle = answer({ access_token: token, token_type: 'bearer', expires_in: 300, scope: 'read' });
    const before = Date.now();
    const got = await requestToken(ask());
    assert.equal(got.accessToken, token);
    assert.equal(got.tokenType, 'Bearer');
    assert.equal(got.scope, 'read');
    // The JWT's own exp (120 s) is earlier than expires_in (300 s): the earlier one counts.
    assert.ok(got.expiresAt <= before + 121_000 && got.expiresAt >= before + 118_000, String(got.expiresAt - before));
    const { headers, form } = seen[0]!;
    assert.equal(headers.authorization, `Basic ${Buffer.from('svc+a:s3cret%3A%2B%2F').toString('base64')}`);
    assert.equal(headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('audience'), 'service-b');
    assert.equal(form.get('client_secret'), null);
  });

  test('client_secret_post: id and secret in the form, no Authorization header', async () => {
    seen = [];
    handle = answer({ access_token: 'opaque-token', token_type: 'Bearer', expires_in: 60 });
    await requestToken(ask({ credentials: { method: 'client_secret_post', clientId: 'svc', clientSecret: 'pw' } }));
    assert.equal(seen[0]!.headers.authorization, undefined);
    assert.equal(seen[0]!.form.get('client_id'), 'svc');
    assert.equal(seen[0]!.form.get('client_secret'), 'pw');
  });

  test('private_key_jwt: a fresh RFC 7523 assertion (iss = sub = client, aud = the endpoint, jti) that verifies with the public key', async () => {
    seen = [];
    handle = answer({ access_token: 'opaque-token', token_type: 'Bearer', expires_in: 60 });
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentials: ClientCredentials = { method: 'private_key_jwt', clientId: 'svc', key: pair.privateKey, algorithm: 'ES256', keyId: 'k1' };
    await requestToken(ask({ credentials }));
    await requestToken(ask({ credentials }));
    const [a, b] = seen.map((s) => s.form);
    assert.equal(a!.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    assert.equal(a!.get('client_secret'), null);
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
    const { payload, protectedHeader } = await jwtVerify(a!.get('client_assertion')!, jwks, { issuer: 'svc', subject: 'svc', audience: `${server.origin}/token` });
    assert.equal(protectedHeader.kid, 'k1');
    assert.ok(typeof payload.jti === 'string' && typeof payload.exp === 'number');
    const second = await jwtVerify(b!.get('client_assertion')!, jwks);
    assert.notEqual(second.payload.jti, payload.jti, 'each assertion is single-use');
  });

  test('400 invalid_grant is token_refused (403) naming only the OAuth code, not the IdP\'s description', async () => {
    handle = answer({ error: 'invalid_grant', error_description: 'user <script> is disabled' }, 400);
    const err = await rejectsWithCode(requestToken(ask()), 'token_refused', 403, /invalid_grant/);
    assert.doesNotMatch(err.message, /script|disabled/);
    assert.equal(err.expose, true);
  });

  test('invalid_client is the sidecar\'s own misconfiguration: token_unavailable (503), not a refusal of the caller', async () => {
    handle = answer({ error: 'invalid_client' }, 401);
    await rejectsWithCode(requestToken(ask()), 'token_unavailable', 503, /client credentials/);
  });

  test('a 5xx, HTML, malformed JSON, no token, a non-Bearer type, or no lifetime at all are token_unavailable', async () => {
    for (const h of [
      answer({ error: 'server_error' }, 500),
      answer('<html>maintenance</html>', 200),
      (_q: IncomingMessage, res: ServerResponse) => sendJson(res, 200, '{"access_token":', 'application/json'),
      answer({ token_type: 'Bearer', expires_in: 60 }),
      answer({ access_token: 'x', token_type: 'mac', expires_in: 60 }),
      answer({ access_token: 'opaque', token_type: 'Bearer' }),
      answer({ access_token: 'opaque', token_type: 'Bearer', expires_in: -5 }),
    ] as Handler[]) {
      handle = h;
      await rejectsWithCode(requestToken(ask()), 'token_unavailable', 503);
    }
  });

  test('an endpoint that is down is token_unavailable', async () => {
    await rejectsWithCode(requestToken(ask({ endpoint: `http://127.0.0.1:${await unusedPort()}/token` })), 'token_unavailable', 503, /could not be reached/);
  });

  test('a slow endpoint is cut at timeoutMs: token_unavailable', async () => {
    handle = (_req, res) => setTimeout(() => !res.destroyed && sendJson(res, 200, { access_token: 'late', token_type: 'Bearer', expires_in: 60 }), 2000).unref();
    await rejectsWithCode(requestToken(ask({ timeoutMs: 150 })), 'token_unavailable', 503, /timed out/);
  });

  test('exchange: a token for a wider audience than asked is refused; exactly the one asked is taken', async () => {
    const exchange = { params: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange' }, audience: { value: 'service-b', rule: 'exactly' as const } };
    handle = answer({ access_token: await jwt({ aud: ['service-b', 'service-c'] }), token_type: 'Bearer', expires_in: 60 });
    await rejectsWithCode(requestToken(ask(exchange)), 'token_unavailable', 503, /wider than the audience/);
    handle = answer({ access_token: await jwt({}), token_type: 'Bearer', expires_in: 60 });
    await rejectsWithCode(requestToken(ask(exchange)), 'token_unavailable', 503, /wider/);
    handle = answer({ access_token: await jwt({ aud: 'service-b' }), token_type: 'Bearer', expires_in: 60, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
    assert.equal((await requestToken(ask(exchange))).issuedTokenType, 'urn:ietf:params:oauth:token-type:access_token');
    handle = answer({ access_token: await jwt({ aud: 'service-b' }), token_type: 'Bearer', expires_in: 60, issued_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' });
    await rejectsWithCode(requestToken(ask(exchange)), 'token_unavailable', 503, /not an access token/);
  });

  test('client credentials: a JWT whose aud does not name the audience asked is refused', async () => {
    handle = answer({ access_token: await jwt({ aud: 'account' }), token_type: 'Bearer', expires_in: 60 });
    await rejectsWithCode(requestToken(ask()), 'token_unavailable', 503, /does not name the audience/);
  });
});
