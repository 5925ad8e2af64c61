import express, { type NextFunction, type Request, type Response } from 'express';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { Authorizer } from '../decision/authorize.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { sendError } from './send-error.ts';
import { authorizeRoute } from './routes/authorize.ts';
import { forwardAuthRoute } from './routes/forward-auth.ts';

export interface Readiness {
  /** undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
}

export interface AppOptions {
  readonly authorize: Authorizer;
  readonly readiness: Readiness;
  readonly log: ProcessLog;
  readonly maxBodyBytes: number;
  readonly forwardAuthPath: string;
  /** Decision log counters (drops by reason, per sink), served at GET /v1/status/decision-logs. */
  readonly decisionLogStatus?: () => unknown;
  /** Prometheus text exposition, served at GET /metrics. */
  readonly metrics?: () => string;
}

/** The express application: routes, body limits and the error handler. Knows nothing of sockets. */
export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  const json = express.json({ limit: options.maxBodyBytes, strict: true, type: 'application/json' });
  const ready = (_req: Request, _res: Response, next: NextFunction): void => {
    const reason = options.readiness.notReadyReason();
    next(reason === undefined ? undefined : new SidecarError('not_ready', reason));
  };

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', (_req, res) => {
    const reason = options.readiness.notReadyReason();
    if (reason === undefined) res.json({ status: 'ready' });
    else sendError(res, new SidecarError('not_ready', reason), options.log);
  });
  const { decisionLogStatus, metrics } = options;
  if (decisionLogStatus) {
    app.get('/v1/status/decision-logs', (_req, res) => {
      res.json(decisionLogStatus());
    });
  }
  if (metrics) {
    app.get('/metrics', (_req, res) => {
      res.type('text/plain; version=0.0.4').send(metrics());
    });
  }
  app.post('/authorize', ready, json, authorizeRoute(options.authorize));
  app.all(options.forwardAuthPath, ready, forwardAuthRoute(options.authorize));

  app.use((req, _res, next) => next(new SidecarError('not_found', `no route for ${req.method} ${req.path}`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, fromBodyParser(err), options.log);
  });
  return app;
}

/** body-parser reports with `type`/`status`; map those to our stable codes. */
function fromBodyParser(err: unknown): unknown {
  if (err instanceof SidecarError) return err;
  const e = err as { type?: string; status?: number };
  switch (e?.type) {
    case 'entity.too.large':
      return new SidecarError('payload_too_large', 'the request body is too large');
    case 'entity.parse.failed':
      return new SidecarError('invalid_request', 'the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new SidecarError('unsupported_media_type', 'the body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return new SidecarError('invalid_request', 'the request body was incomplete');
    default:
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
        return new SidecarError('invalid_request', 'the request could not be read');
      }
      return err;
  }
}
