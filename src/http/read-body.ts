import type { IncomingMessage } from 'node:http';
import { SidecarError } from '../errors/sidecar-error.ts';
import { findJsonHazard } from '../lib/json-hazard.ts';

/** Deepest nesting accepted in a request body (`resource` and `context` are free-form JSON). */
const MAX_BODY_DEPTH = 32;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BODY_START = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/;

/**
 * The one body reader of the API: a JSON body, checked before it is parsed. Resolves to
 * `undefined` when the request has no body at all (neither Content-Length nor
 * Transfer-Encoding), and to `{}` for an empty one. Refuses:
 * - 413, from the declared Content-Length alone, without reading (and the connection is closed);
 *   a chunked body is cut off at the limit;
 * - 415, a media type other than `application/json`, a charset other than UTF-8, or any
 *   Content-Encoding (nothing is inflated on the request path, so no decompression bomb);
 * - 400, invalid UTF-8, a byte order mark, a duplicate member name (`"path":"/admin","path":"/public"`
 *   must not mean whichever one JSON.parse keeps), a `__proto__` member, nesting deeper than
 *   MAX_BODY_DEPTH (which would make the policy engine's JSON.stringify throw), and anything
 *   but an object or array at the top.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return undefined;
  if (Number(declared ?? 0) > maxBytes) throw new SidecarError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  const type = mediaType(req.headers['content-type']);
  if (type?.type !== 'application/json') throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  if (type.charset !== undefined && type.charset !== 'utf-8') throw new SidecarError('unsupported_media_type', 'the body must be UTF-8 JSON');
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new SidecarError('unsupported_media_type', 'the body must not be compressed (Content-Encoding)');
  }
  return parseJson(await readBody(req, maxBytes));
}

/** Most parameters a form body may have (the back-channel logout form has one). */
const MAX_FORM_PARAMETERS = 10;

/**
 * A form body (`application/x-www-form-urlencoded`, UTF-8), as the back-channel logout receiver
 * gets it: `undefined` without a body; a parameter sent twice becomes a list, so a route that
 * wants one value can tell.
 */
export async function readFormBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, string | string[]> | undefined> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return undefined;
  if (Number(declared ?? 0) > maxBytes) throw new SidecarError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  const type = mediaType(req.headers['content-type']);
  if (type?.type !== 'application/x-www-form-urlencoded') throw new SidecarError('unsupported_media_type', 'the body must be application/x-www-form-urlencoded');
  if (type.charset !== undefined && type.charset !== 'utf-8') throw new SidecarError('unsupported_media_type', 'the body must be UTF-8');
  let text: string;
  try {
    text = fatalUtf8.decode(await readBody(req, maxBytes));
  } catch (err) {
    if (err instanceof SidecarError) throw err;
    throw new SidecarError('invalid_request', 'the body is not valid UTF-8');
  }
  const form: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const params = new URLSearchParams(text);
  if ([...params.keys()].length > MAX_FORM_PARAMETERS) throw new SidecarError('payload_too_large', `the form has more than ${MAX_FORM_PARAMETERS} parameters`);
  for (const [k, v] of params) {
    const seen = form[k];
    form[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  return form;
}

/** `application/json; charset="UTF-8"` → `{type: 'application/json', charset: 'utf-8'}`, lower-cased. */
export function mediaType(header: string | undefined): { type: string; charset: string | undefined } | undefined {
  if (header === undefined) return undefined;
  const [type, ...params] = header.split(';');
  let charset: string | undefined;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^"\s]*)"?\s*$/i.exec(p);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type!.trim().toLowerCase(), charset };
}

/**
 * The body as bytes, whatever its type (ext_authz's HTTP service gets the checked request's own
 * body): `undefined` without one; 413 as for JSON bodies.
 */
export async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return undefined;
  if (Number(declared ?? 0) > maxBytes) throw new SidecarError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  return readBody(req, maxBytes);
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

function parseJson(buf: Buffer): unknown {
  let text: string;
  try {
    text = fatalUtf8.decode(buf);
  } catch {
    throw new SidecarError('invalid_request', 'the body is not valid UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) throw new SidecarError('invalid_request', 'the body starts with a byte order mark');
  const hazard = findJsonHazard(text, MAX_BODY_DEPTH);
  if (hazard) throw new SidecarError('invalid_request', `the body ${hazard}`);
  if (buf.length === 0) return {};
  const first = BODY_START.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SidecarError('invalid_request', 'the body is not valid JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new SidecarError('invalid_request', 'the body is not valid JSON');
  }
}
