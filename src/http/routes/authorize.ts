import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { Authorizer } from '../../decision/authorize.ts';
import { explainMode } from './data-api.ts';
import { authorizeAnswer, authorizeRequestOf } from '../check-api.ts';

/**
 * `POST /authorize` with `{"method", "path", "resource"?, "action"?, "context"?}`: 200 with the
 * decision for every decision (allow or deny), errors through the error handler.
 */
export function authorizeRoute(authorize: Authorizer, explainAllowed = true) {
  return async (req: Request, res: Response): Promise<void> => {
    const explain = explainMode(new URL(req.originalUrl, 'http://sidecar').searchParams, explainAllowed);
    if (!req.is('application/json')) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
    const decision = await authorize(authorizeRequestOf(req.body, req.headers));
    res.status(200).json(authorizeAnswer(decision, explain));
  };
}
