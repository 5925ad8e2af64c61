import type { IncomingMessage } from 'node:http';
import { SidecarError } from '../errors/sidecar-error.ts';
import { findJsonHazard } from '../lib/json-hazard.ts';

/** Deepest nesting accepted in a request body (`resource` and `context` are free-form JSON). */
export const MAX_BODY_DEPTH = 32;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * express.json's `verify` hook: runs on the raw bytes before JSON.parse. Refuses a charset
 * other than UTF-8 (415), and (400) invalid UTF-8, a byte order mark, duplicate member names
 * (`"path":"/admin","path":"/public"` must not mean whichever one JSON.parse keeps), a
 * `__proto__` member, and nesting deeper than MAX_BODY_DEPTH, which would otherwise make the
 * policy engine's JSON.stringify throw.
 */
export function verifyJsonBody(_req: IncomingMessage, _res: unknown, buf: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8') {
    throw new SidecarError('unsupported_media_type', 'the body must be UTF-8 JSON');
  }
  let text: string;
  try {
    text = fatalUtf8.decode(buf);
  } catch {
    throw new SidecarError('invalid_request', 'the body is not valid UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) throw new SidecarError('invalid_request', 'the body starts with a byte order mark');
  const hazard = findJsonHazard(text, MAX_BODY_DEPTH);
  if (hazard) throw new SidecarError('invalid_request', `the body ${hazard}`);
}
