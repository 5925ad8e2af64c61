import type { Response } from 'express';
import type { ProcessLog } from '../lib/process-log.ts';
import { errorAnswer } from './error-response.ts';

/** express's side of errorAnswer (src/http/error-response.ts). */
export function sendError(res: Response, err: unknown, log: ProcessLog): void {
  const answer = errorAnswer(err, log);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.status(answer.status).json(answer.body);
}
