import type { ServerResponse } from 'node:http';
import type { ProcessLog } from '../lib/process-log.ts';
import { errorAnswer } from './error-response.ts';

/** Writes a JSON answer; the one writer for every route, the express ones included (their `res` is a ServerResponse). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes the answer for an error (error-response.ts decides status, body and headers). */
export function sendError(res: ServerResponse, err: unknown, log: ProcessLog): void {
  const answer = errorAnswer(err, log);
  sendJson(res, answer.status, answer.body, answer.headers);
}
