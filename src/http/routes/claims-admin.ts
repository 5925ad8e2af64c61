import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { ClaimsAdmin } from '../../claims/claims-admin.ts';
import { sendJson } from '../send-json.ts';

/**
 * Guards the admin routes: a loopback peer (or a Unix socket) and `Authorization: Bearer
 * <claims.admin.token>`, compared in constant time over SHA-256 digests (equal lengths).
 */
export function adminGuard(adminToken: string) {
  const expected = createHash('sha256').update(adminToken).digest();
  return (req: Request, _res: Response, next: NextFunction): void => {
    const peer = req.socket.remoteAddress;
    if (peer !== undefined && !/^(127\.|::1$|::ffff:127\.)/.test(peer)) {
      next(new SidecarError('forbidden', 'the admin endpoints answer loopback clients only'));
      return;
    }
    const header = req.headers.authorization ?? '';
    const given = createHash('sha256').update(header.startsWith('Bearer ') ? header.slice(7) : '').digest();
    next(timingSafeEqual(given, expected) ? undefined : new SidecarError('admin_unauthorized', 'a valid admin token is required'));
  };
}

/** `POST /admin/claims/evict` with `{"sub", "iss"?}`: evicts one subject's cached claims. */
export function evictRoute(admin: ClaimsAdmin, issuer: string) {
  return (req: Request, res: Response): void => {
    const body = req.body as Record<string, unknown> | undefined;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new SidecarError('invalid_request', 'the body must be a JSON object {"sub", "iss"?}');
    }
    const unknownKey = Object.keys(body).find((k) => k !== 'sub' && k !== 'iss');
    if (unknownKey !== undefined) throw new SidecarError('invalid_request', `unknown field "${unknownKey}" (allowed: sub, iss)`);
    const { sub, iss = issuer } = body;
    if (typeof sub !== 'string' || sub === '') throw new SidecarError('invalid_request', '"sub" must be a non-empty string');
    if (typeof iss !== 'string') throw new SidecarError('invalid_request', '"iss" must be a string');
    sendJson(res, 200, { evicted: admin.evict(iss, sub) });
  };
}

/** `GET /admin/claims`: cache counters (entries, bytes, hits, evictions …) and circuit breaker states. */
export function claimsStatusRoute(admin: ClaimsAdmin) {
  return (_req: Request, res: Response): void => {
    sendJson(res, 200, admin.status());
  };
}
