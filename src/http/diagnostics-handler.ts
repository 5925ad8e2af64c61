import type { RequestListener, ServerResponse } from 'node:http';

export interface MetricsSource {
  readonly contentType: string;
  scrape(): Promise<string>;
}

export interface DiagnosticsSource {
  /** undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
  readonly metrics: MetricsSource;
}

/**
 * The diagnostics listener (`diagnostics.listen`): only `GET /health`, `/ready` and `/metrics`,
 * on plain node:http, so it can face probes and Prometheus on the pod network while the
 * decision API stays on loopback. Bodies have the API's `{code, message}` shape.
 */
export function diagnosticsHandler(source: DiagnosticsSource): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { code: 'not_found', message: 'only GET is served here' });
    switch (path) {
      case '/health':
        return json(res, 200, { status: 'ok' });
      case '/ready': {
        const reason = source.notReadyReason();
        if (reason === undefined) return json(res, 200, { status: 'ready' });
        res.setHeader('Retry-After', '1');
        return json(res, 503, { code: 'not_ready', message: reason });
      }
      case '/metrics':
        source.metrics.scrape().then(
          (text) => {
            res.writeHead(200, { 'content-type': source.metrics.contentType });
            res.end(text);
          },
          (err: Error) => json(res, 500, { code: 'internal_error', message: `metrics unavailable: ${err.message}` }),
        );
        return;
      default:
        return json(res, 404, { code: 'not_found', message: `no route for ${req.method} ${path} on the diagnostics listener` });
    }
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
