import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SidecarError } from '../../errors/sidecar-error.ts';
import { singleRawHeader } from '../../request/single-header.ts';
import { extractBearer } from '../../token/extract-bearer.ts';
import type { TokenAsk, TokenService } from '../../tokens/token-service.ts';
import type { HttpApi } from '../http-api.ts';
import { readJsonBody } from '../read-body.ts';
import { sendJson } from '../send-json.ts';

/** The header a caller presents `tokens.callerSecret` in (Authorization carries the subject token on exchange). */
export const CALLER_SECRET_HEADER = 'x-authz-caller-secret';

/** RFC 6749 §3.3: scope-token = 1*NQSCHAR, separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const MAX_FIELD = 1024;
/** Token answers must not be stored by anything between the sidecar and its caller (RFC 6749 §5.1). */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** `POST /v1/tokens/service` with `{"audience", "scope"?}`: a client-credentials token for the service's own call. */
export async function serviceTokenRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tokens = guard(api, req);
  const ask = await askOf(api, req);
  sendJson(res, 200, await tokens.service(ask), NO_STORE);
}

/**
 * `POST /v1/tokens/exchange` with the caller's `Authorization: Bearer <user token>` and `{"audience", "scope"?}`:
 * the token, verified as on `/authorize`, exchanged (RFC 8693) for one whose audience is exactly `audience`.
 */
export async function exchangeTokenRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tokens = guard(api, req);
  const subject = extractBearer(singleRawHeader(req.rawHeaders, 'authorization'));
  const ask = await askOf(api, req);
  sendJson(res, 200, await tokens.exchange(subject, ask), NO_STORE);
}

/**
 * Who may ask (docs/service-to-service.md, "Trust model"): a loopback peer or a Unix socket, and,
 * with `tokens.callerSecret`, only one presenting it (compared in constant time over SHA-256 digests).
 */
function guard(api: HttpApi, req: IncomingMessage): TokenService {
  const tokens = api.tokens;
  if (!tokens) throw new SidecarError('not_found', 'the token endpoints are off (tokens.clientId)');
  const peer = req.socket.remoteAddress;
  if (peer !== undefined && !/^(127\.|::1$|::ffff:127\.)/.test(peer)) {
    throw new SidecarError('forbidden', 'the token endpoints answer loopback clients only');
  }
  const expected = tokens.settings.callerDigest;
  if (expected) {
    const given = createHash('sha256').update(singleRawHeader(req.rawHeaders, CALLER_SECRET_HEADER) ?? '').digest();
    if (!timingSafeEqual(given, expected)) throw new SidecarError('caller_unauthorized', `the token endpoints need the service's secret in ${CALLER_SECRET_HEADER}`);
  }
  return tokens;
}

async function askOf(api: HttpApi, req: IncomingMessage): Promise<TokenAsk> {
  const body = await readJsonBody(req, api.config.http.maxBodyBytes);
  if (body === undefined) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SidecarError('invalid_request', 'the body must be a JSON object {"audience", "scope"?}');
  const unknownKey = Object.keys(body).find((k) => k !== 'audience' && k !== 'scope');
  if (unknownKey !== undefined) throw new SidecarError('invalid_request', `unknown field "${unknownKey}" (allowed: audience, scope)`);
  const { audience, scope } = body as Record<string, unknown>;
  if (typeof audience !== 'string' || audience === '' || audience.length > MAX_FIELD || /[\x00-\x20\x7f]/.test(audience)) {
    throw new SidecarError('invalid_request', `"audience" must be a non-empty string of at most ${MAX_FIELD} characters without spaces or control characters`);
  }
  if (scope !== undefined && (typeof scope !== 'string' || scope.length > MAX_FIELD || !SCOPE.test(scope))) {
    throw new SidecarError('invalid_request', '"scope" must be space-separated scope tokens (RFC 6749 §3.3)');
  }
  return { audience, scope: scope as string | undefined };
}
