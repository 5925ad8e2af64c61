import express, { type NextFunction, type Request, type Response } from 'express';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { HttpApi } from './http-api.ts';
import { readFormBody, readJsonBody } from './read-body.ts';
import { requireReady } from './require-ready.ts';
import { sendError, sendJson } from './send-json.ts';
import { backchannelLogoutRoute } from './routes/backchannel-logout.ts';
import { adminGuard, claimsStatusRoute, evictRoute } from './routes/claims-admin.ts';
import { dataApiRoute } from './routes/data-api.ts';

/**
 * The routes that are not on every request's path, on express: OPA's Data and status APIs, the
 * claims admin routes and the back-channel logout receiver (each only when configured), and the
 * JSON 404. The hot routes and the probes are create-handler.ts's and never reach this app.
 * Routing is case-sensitive and strict, so each route has one spelling.
 */
export function createApp(api: HttpApi): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const maxBytes = api.config.http.maxBodyBytes;
  const ready = (_req: Request, _res: Response, next: NextFunction): void => next(tryTo(() => requireReady(api)));
  const json = (req: Request, _res: Response, next: NextFunction): void => {
    // A declared empty body is no input (OPA's Data API), whatever its content type.
    if (req.headers['content-length'] === '0') return next();
    readJsonBody(req, maxBytes).then((body) => {
      req.body = body;
      next();
    }, next);
  };

  app.get('/v1/status', (_req, res) => sendJson(res, 200, { result: api.status() }));
  app.get('/v1/status/decision-logs', (_req, res) => sendJson(res, 200, api.decisionLogStatus()));
  const data = dataApiRoute(api);
  app.post('/v1/data{/*path}', ready, json, data);
  app.get('/v1/data{/*path}', ready, data);
  const { backchannelLogout, admin } = api.config.claims;
  if (backchannelLogout.path) {
    const form = (req: Request, _res: Response, next: NextFunction): void => {
      readFormBody(req, maxBytes).then((body) => {
        req.body = body;
        next();
      }, next);
    };
    app.post(backchannelLogout.path, form, backchannelLogoutRoute(api.claimsAdmin));
  }
  if (admin.token) {
    const guard = adminGuard(admin.token);
    app.post('/admin/claims/evict', guard, json, evictRoute(api.claimsAdmin, api.config.issuer));
    app.get('/admin/claims', guard, claimsStatusRoute(api.claimsAdmin));
  }

  app.use((req, _res, next) => next(new SidecarError('not_found', `no route for ${req.method} ${req.path}`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => sendError(res, err, api.log));
  return app;
}

function tryTo(fn: () => void): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}
