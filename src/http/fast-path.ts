import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { Authorizer } from '../decision/authorize.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { authorizeAnswer, authorizeRequestOf, forwardAuthAnswer, forwardAuthRequestOf } from './check-api.ts';
import { errorAnswer } from './error-response.ts';
import { verifyJsonBody } from './verify-json-body.ts';
import type { Readiness } from './create-app.ts';

export interface FastPathOptions {
  readonly authorize: Authorizer;
  readonly readiness: Readiness;
  readonly log: ProcessLog;
  readonly maxBodyBytes: number;
  readonly forwardAuthPath: string;
  /** Everything the lean path does not take: the express app. */
  readonly fallback: RequestListener;
}

const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const BODY_START = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/;

/**
 * A lean node:http path for the two calls on every request of every service: `POST /authorize`
 * in its common form and forward-auth. express's router, middleware and response helpers cost
 * about as much as a whole RS256 verification (FACTS.md: ~140 µs), which this skips.
 *
 * It takes a request only when it can answer exactly as the express app would: the exact path,
 * no query string (explain), a plain `application/json` body (UTF-8, not compressed). Anything
 * else goes to express untouched, before a byte of the body is read. The answers come from the
 * same functions as the express routes (check-api.ts, error-response.ts), and the HTTP and
 * integration suites run against both (`npm test` runs them again with `http.fastPath: false`).
 */
export function createFastPath(options: FastPathOptions): RequestListener {
  const { authorize, readiness, log, maxBodyBytes, forwardAuthPath, fallback } = options;
  const fail = (res: ServerResponse, err: unknown): void => {
    const answer = errorAnswer(err, log);
    send(res, answer.status, answer.body, answer.headers);
  };

  return (req, res) => {
    const url = req.url ?? '';
    if (url === '/authorize' && req.method === 'POST' && takesBody(req)) {
      const reason = readiness.notReadyReason();
      if (reason !== undefined) return fail(res, new SidecarError('not_ready', reason, { expose: true }));
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBodyBytes) return fail(res, new SidecarError('payload_too_large', `the request body is larger than ${maxBodyBytes} bytes`));
      readBody(req, maxBodyBytes)
        .then((buf) => authorize(authorizeRequestOf(parseJson(req, res, buf), req.headers)))
        .then((decision) => send(res, 200, authorizeAnswer(decision, false)))
        .catch((err: unknown) => fail(res, err));
      return;
    }
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) === forwardAuthPath) {
      const reason = readiness.notReadyReason();
      if (reason !== undefined) return fail(res, new SidecarError('not_ready', reason, { expose: true }));
      let request;
      try {
        request = forwardAuthRequestOf(req.headers);
      } catch (err) {
        return fail(res, err);
      }
      authorize(request)
        .then((decision) => {
          const answer = forwardAuthAnswer(decision);
          send(res, answer.status, answer.body, { 'X-Authz-Decision-Id': decision.decisionId });
        })
        .catch((err: unknown) => fail(res, err));
      return;
    }
    fallback(req, res);
  };
}

/** The common form only: JSON in UTF-8, identity encoding, a declared length or chunks. */
function takesBody(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  return req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new SidecarError('payload_too_large', 'the request body is too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', () => {
      if (done) return;
      done = true;
      reject(new SidecarError('invalid_request', 'the request body was incomplete'));
    });
  });
}

/** body-parser's strict JSON: the raw bytes checked first (verifyJsonBody), then an object or array. */
function parseJson(req: IncomingMessage, res: ServerResponse, buf: Buffer): unknown {
  verifyJsonBody(req, res, buf, 'utf-8');
  if (buf.length === 0) return {};
  const text = buf.toString('utf8');
  const first = BODY_START.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SidecarError('invalid_request', 'the body is not valid JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new SidecarError('invalid_request', 'the body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
