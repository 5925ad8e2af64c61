import type { Request, Response } from 'express';
import type { Authorizer } from '../../decision/authorize.ts';
import { forwardAuthAnswer, forwardAuthRequestOf } from '../check-api.ts';

/**
 * Forward-auth for proxies (see check-api.ts): 200 (allow), 403 (deny), 401 (token problem); the
 * decision id is in `X-Authz-Decision-Id` so the proxy can log it.
 */
export function forwardAuthRoute(authorize: Authorizer) {
  return async (req: Request, res: Response): Promise<void> => {
    const decision = await authorize(forwardAuthRequestOf(req.headers));
    const answer = forwardAuthAnswer(decision);
    res.setHeader('X-Authz-Decision-Id', decision.decisionId);
    res.status(answer.status).json(answer.body);
  };
}
