import express, { type NextFunction, type Request, type Response } from 'express';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { Authorizer } from '../decision/authorize.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { sendError } from './send-error.ts';
import { authorizeRoute } from './routes/authorize.ts';
import { forwardAuthRoute } from './routes/forward-auth.ts';
import type { ClaimsAdmin } from '../claims/claims-admin.ts';
import { backchannelLogoutRoute } from './routes/backchannel-logout.ts';
import { adminGuard, claimsStatusRoute, evictRoute } from './routes/claims-admin.ts';
import { dataApiRoute } from './routes/data-api.ts';
import { statusRoute } from './routes/status.ts';
import type { DataQueryRunner } from '../decision/query-data.ts';
import type { StatusRegistry } from '../status/status-registry.ts';
import { refuseDeclaredOversize } from './refuse-declared-oversize.ts';
import { verifyJsonBody } from './verify-json-body.ts';
import type { MetricsSource } from './diagnostics-handler.ts';

export interface Readiness {
  /** undefined when ready, otherwise why not. */
  notReadyReason(): string | undefined;
  /** True while shutting down: `/ready` answers 503 so traffic moves away, but requests are still served. */
  draining?(): boolean;
}

export interface AppOptions {
  readonly authorize: Authorizer;
  readonly readiness: Readiness;
  readonly log: ProcessLog;
  readonly maxBodyBytes: number;
  readonly forwardAuthPath: string;
  /** Claims eviction and status; the routes exist only for the parts configured. */
  readonly claims?: {
    readonly admin: ClaimsAdmin;
    readonly issuer: string;
    /** `claims.admin.token`; the admin routes are off when unset. */
    readonly adminToken: string | undefined;
    /** `claims.backchannelLogout.path`; the receiver is off when unset. */
    readonly backchannelLogoutPath: string | undefined;
  };
  /** OPA's Data API (`/v1/data/...`); absent: not served. */
  readonly dataQuery?: DataQueryRunner;
  /** Sections of `GET /v1/status`; absent: not served. */
  readonly status?: StatusRegistry;
  /** Whether `?explain=input` may return the input document (default true). */
  readonly explain?: boolean;
  /** Served on `GET /metrics` (Prometheus text) when given. */
  readonly metrics?: MetricsSource;
  /** Decision log counters (drops by reason, per sink), served at GET /v1/status/decision-logs. */
  readonly decisionLogStatus?: () => unknown;
}

/** The express application: routes, body limits and the error handler. Knows nothing of sockets. */
export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  const json = express.json({ limit: options.maxBodyBytes, strict: true, type: 'application/json', verify: verifyJsonBody });
  const ready = (_req: Request, _res: Response, next: NextFunction): void => {
    const reason = options.readiness.notReadyReason();
    next(reason === undefined ? undefined : new SidecarError('not_ready', reason, { expose: true }));
  };

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', (_req, res) => {
    const reason = options.readiness.draining?.() ? 'shutting down' : options.readiness.notReadyReason();
    if (reason === undefined) res.json({ status: 'ready' });
    else sendError(res, new SidecarError('not_ready', reason, { expose: true }), options.log);
  });
  const oversize = refuseDeclaredOversize(options.maxBodyBytes);
  app.post('/authorize', ready, oversize, json, authorizeRoute(options.authorize, options.explain ?? true));
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      const text = await metrics.scrape();
      res.setHeader('content-type', metrics.contentType);
      res.send(text);
    });
  }
  const decisionLogStatus = options.decisionLogStatus;
  if (decisionLogStatus) {
    app.get('/v1/status/decision-logs', (_req, res) => {
      res.json(decisionLogStatus());
    });
  }
  app.all(options.forwardAuthPath, ready, forwardAuthRoute(options.authorize));
  const claims = options.claims;
  if (claims?.backchannelLogoutPath) {
    const form = express.urlencoded({ extended: false, limit: options.maxBodyBytes, type: 'application/x-www-form-urlencoded', parameterLimit: 10 });
    app.post(claims.backchannelLogoutPath, form, backchannelLogoutRoute(claims.admin));
  }
  if (claims?.adminToken) {
    const guard = adminGuard(claims.adminToken);
    app.post('/admin/claims/evict', guard, json, evictRoute(claims.admin, claims.issuer));
    app.get('/admin/claims', guard, claimsStatusRoute(claims.admin));
  }
  if (options.dataQuery) {
    const data = dataApiRoute(options.dataQuery, options.explain ?? true);
    app.post('/v1/data{/*path}', ready, oversize, json, data);
    app.get('/v1/data{/*path}', ready, data);
  }
  if (options.status) app.get('/v1/status', statusRoute(options.status));

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
