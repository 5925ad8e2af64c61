import type { Request, Response } from 'express';
import type { StatusRegistry } from '../../status/status-registry.ts';

/** `GET /v1/status`: `{"result": {<section>: ...}}`, like OPA's status API. */
export function statusRoute(status: StatusRegistry) {
  return (_req: Request, res: Response): void => {
    res.status(200).json({ result: status.snapshot() });
  };
}
