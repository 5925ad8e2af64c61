import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { ClaimsAdmin } from '../../claims/claims-admin.ts';
import { sendJson } from '../send-json.ts';

/**
 * OIDC Back-Channel Logout receiver (§2.5, §2.8): a form POST with `logout_token`. 200 once the
 * subject's cached claims are evicted; 400 `invalid_logout_token` when the token fails
 * validation. Both carry `Cache-Control: no-store`, as the spec requires.
 */
export function backchannelLogoutRoute(admin: ClaimsAdmin) {
  return async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const form = req.body as Record<string, unknown> | undefined;
    if (form === undefined) throw new SidecarError('unsupported_media_type', 'the body must be application/x-www-form-urlencoded');
    const token = form['logout_token'];
    if (typeof token !== 'string' || token === '') throw new SidecarError('invalid_logout_token', 'the form has no single "logout_token"');
    const { evicted } = await admin.logout(token);
    sendJson(res, 200, { evicted });
  };
}
