import type { IncomingMessage, ServerResponse } from 'node:http';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { HealthQuery, ProbeApi } from '../http-api.ts';
import { sendError, sendJson } from '../send-json.ts';

/**
 * `GET /health` with OPA's semantics (server.go unversionedGetHealth): 200 while the process
 * serves; `?bundles` 500 until a bundle was activated; `?plugins` 500 while any component is
 * not OK, naming them; `?exclude-plugin=<name>` (repeatable) leaves one out.
 */
export function healthRoute(api: ProbeApi, _req: IncomingMessage, res: ServerResponse, query: string): void {
  const answer = api.health(healthQuery(query));
  if (answer.healthy) sendJson(res, 200, { status: 'ok' });
  else sendJson(res, 500, { error: answer.error, ...(answer.plugins ? { plugins: answer.plugins } : {}) });
}

/** `GET /ready`: 200 once decisions can be made, 503 `not_ready` saying what is missing (or that the sidecar is shutting down). */
export function readyRoute(api: ProbeApi, _req: IncomingMessage, res: ServerResponse): void {
  const reason = api.whyNotReady();
  if (reason === undefined) sendJson(res, 200, { status: 'ready' });
  else sendError(res, new SidecarError('not_ready', reason, { expose: true }), api.log);
}

/** `GET /metrics`: the Prometheus text exposition. */
export async function metricsRoute(api: ProbeApi, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  let text: string;
  try {
    text = await api.metrics.scrape();
  } catch (err) {
    throw new SidecarError('internal_error', `metrics unavailable: ${(err as Error).message}`, { expose: true });
  }
  res.writeHead(200, { 'Content-Type': api.metrics.contentType });
  res.end(text);
}

/** OPA's reading of boolean and list query parameters (server.go getBoolParam, getStringSliceParam). */
function healthQuery(query: string): HealthQuery {
  const params = new URLSearchParams(query);
  const flag = (name: string): boolean => {
    const values = params.getAll(name);
    return (values.length === 1 && values[0] === '') || values.some((v) => v.toLowerCase() === 'true');
  };
  const exclude = params.getAll('exclude-plugin');
  return { bundles: flag('bundles'), plugins: flag('plugins'), exclude: exclude.length === 1 && exclude[0] === '' ? [] : exclude };
}
