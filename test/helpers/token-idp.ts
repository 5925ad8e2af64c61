import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';

export const SERVICE_A = { id: 'service-a', secret: 'service-a secret: +/=' };

/** What the token endpoints of the test IdP do next (tests flip these). */
export interface TokenIdpControls {
  /** Lifetime of issued tokens, in seconds (expires_in and the JWT's exp alike). */
  lifetimeSeconds: number;
  /** Extra claims or `aud` override for the next exchanged tokens (to issue a wider audience). */
  exchangeClaims: Record<string, unknown>;
  /** Instead of a token, answer this (a 400 invalid_grant, a 500). */
  fault: { status: number; body: unknown } | undefined;
}

export interface TokenIdp extends TestIdp {
  readonly controls: TokenIdpControls;
  /** Token requests seen at the mock's endpoint (client credentials) and at the exchange endpoint, by grant. */
  readonly calls: { client_credentials: number; token_exchange: number };
  /** The form parameters of the last exchange request. */
  lastExchange: URLSearchParams | undefined;
  readonly exchangeServer: LocalServer;
}

function basicClient(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic (.+)$/.exec(header ?? '');
  if (!m) return undefined;
  const [id, secret] = Buffer.from(m[1]!, 'base64').toString().split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
  return id !== undefined && secret !== undefined ? { id, secret } : undefined;
}

/**
 * The demo IdP (oauth2-mock-server on loopback) with real client authentication at its token endpoint
 * for `service-a` (client_secret_basic), client-credentials tokens for the `audience` asked
 * (sub `service-account-<client>`, `client_id`), and an RFC 8693 token exchange endpoint, which the
 * mock lacks: a real node:http server that authenticates the client, verifies the subject token with
 * the IdP's own JWKS and signs the exchanged token with the IdP's own key. Discovery names it as
 * the `token_endpoint` when `exchangeInDiscovery` is set.
 */
export async function startTokenIdp(options: { exchangeInDiscovery?: boolean } = {}): Promise<TokenIdp> {
  const idp = await startTestIdp();
  const controls: TokenIdpControls = { lifetimeSeconds: 300, exchangeClaims: {}, fault: undefined };
  const calls = { client_credentials: 0, token_exchange: 0 };
  const svc = idp.server.service;
  svc.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: IncomingMessage & { body?: Record<string, string> }) => {
    if (req.body?.['grant_type'] !== 'client_credentials') return;
    const client = basicClient(req.headers.authorization);
    Object.assign(token.payload, {
      aud: req.body['audience'],
      sub: `service-account-${client?.id ?? 'unknown'}`,
      client_id: client?.id,
      azp: client?.id,
      exp: Math.floor(Date.now() / 1000) + controls.lifetimeSeconds,
    });
  });
  svc.on('beforeResponse', (response: { body: Record<string, unknown>; statusCode: number }, req: IncomingMessage & { body?: Record<string, string> }) => {
    if (req.body?.['grant_type'] !== 'client_credentials') return;
    calls.client_credentials++;
    const client = basicClient(req.headers.authorization);
    if (client?.id !== SERVICE_A.id || client.secret !== SERVICE_A.secret) {
      response.statusCode = 401;
      response.body = { error: 'invalid_client' };
    } else if (controls.fault) {
      response.statusCode = controls.fault.status;
      response.body = controls.fault.body as Record<string, unknown>;
    } else response.body['expires_in'] = controls.lifetimeSeconds;
  });

  const token: TokenIdp = {
    ...idp,
    controls,
    calls,
    lastExchange: undefined,
    exchangeServer: undefined as unknown as LocalServer,
  };
  const exchangeServer = await startLocalServer((req, res) => void exchange(req, res, token));
  Object.assign(token, { exchangeServer });
  if (options.exchangeInDiscovery) {
    svc.on('beforeWellKnownOpenIdConfiguration', (response: { body: Record<string, unknown> }) => {
      response.body['token_endpoint'] = `${exchangeServer.origin}/token`;
    });
  }
  const stop = idp.stop;
  return Object.assign(token, { stop: async () => (await exchangeServer.close(), await stop()) });
}

async function exchange(req: IncomingMessage, res: ServerResponse, idp: TokenIdp): Promise<void> {
  let text = '';
  for await (const c of req) text += (c as Buffer).toString();
  const form = new URLSearchParams(text);
  idp.lastExchange = form;
  idp.calls.token_exchange++;
  const client = basicClient(req.headers.authorization);
  if (client?.id !== SERVICE_A.id || client.secret !== SERVICE_A.secret) return sendJson(res, 401, { error: 'invalid_client' });
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') return sendJson(res, 400, { error: 'unsupported_grant_type' });
  if (idp.controls.fault) return sendJson(res, idp.controls.fault.status, idp.controls.fault.body);
  if (form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:access_token') return sendJson(res, 400, { error: 'invalid_request' });
  let sub: string;
  try {
    const jwks = createLocalJWKSet({ keys: idp.server.issuer.keys.toJSON() });
    sub = (await jwtVerify(form.get('subject_token') ?? '', jwks, { issuer: idp.issuer })).payload.sub!;
  } catch {
    return sendJson(res, 400, { error: 'invalid_grant', error_description: 'subject token invalid' });
  }
  const audience = form.get('audience');
  const access = await idp.server.issuer.buildToken({
    expiresIn: idp.controls.lifetimeSeconds,
    scopesOrTransform: (_h: unknown, payload: Record<string, unknown>) => {
      Object.assign(payload, { sub, aud: audience, azp: SERVICE_A.id, ...(form.get('scope') ? { scope: form.get('scope') } : {}) }, idp.controls.exchangeClaims);
    },
  });
  sendJson(res, 200, {
    access_token: access,
    token_type: 'Bearer',
    expires_in: idp.controls.lifetimeSeconds,
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  });
}
