import type { IncomingMessage } from 'node:http';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { HttpApi } from '../http-api.ts';
import { readJsonBody } from '../read-body.ts';
import { requireReady } from '../require-ready.ts';

/** The readiness gate, then the JSON body of an AuthZEN POST (the spec: `Content-Type: application/json`, a JSON object). */
export async function readAuthzenBody(api: HttpApi, req: IncomingMessage): Promise<unknown> {
  requireReady(api);
  const body = await readJsonBody(req, api.config.http.maxBodyBytes);
  if (body === undefined) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  return body;
}
