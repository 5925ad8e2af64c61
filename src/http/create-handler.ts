import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createApp } from './create-app.ts';
import type { HttpApi, ProbeApi } from './http-api.ts';
import { AUTHZEN_PATHS as AZ } from '../authzen/authzen-settings.ts';
import { authorizeRoute } from './routes/authorize.ts';
import { authzenEvaluationRoute } from './routes/authzen-evaluation.ts';
import { authzenEvaluationsRoute } from './routes/authzen-evaluations.ts';
import { authzenMetadataRoute } from './routes/authzen-metadata.ts';
import { authzenSearchRoute } from './routes/authzen-search.ts';
import { extAuthzRoute } from './routes/ext-authz.ts';
import { forwardAuthRoute } from './routes/forward-auth.ts';
import { healthRoute, metricsRoute, readyRoute } from './routes/probes.ts';
import { exchangeTokenRoute, serviceTokenRoute } from './routes/tokens.ts';
import { sendError, sendJson } from './send-json.ts';

type Route<A> = (api: A, req: IncomingMessage, res: ServerResponse, query: string) => void | Promise<void>;
interface Entry<A> {
  /** Methods answered; undefined: every method (forward-auth: the proxy picks the method). */
  readonly methods?: readonly string[];
  readonly route: Route<A>;
}

const GET = ['GET', 'HEAD'];
const PROBES: ReadonlyMap<string, Entry<ProbeApi>> = new Map([
  ['/health', { methods: GET, route: healthRoute }],
  ['/ready', { methods: GET, route: readyRoute }],
  ['/metrics', { methods: GET, route: metricsRoute }],
]);

/**
 * The API's request listener for one generation. Every route has exactly one handler: the calls
 * on every request of every service (`POST /authorize`, forward-auth) and the probes run on plain
 * node:http, because express's router and middleware cost about as much as a whole RS256
 * verification (~140 µs per request, measured on our 2-core machines); the rest (Data API, status, admin, back-channel logout, the
 * 404) is express's (create-app.ts), which never sees the routes above.
 */
export function createHandler(api: HttpApi): RequestListener {
  const app = createApp(api);
  const routes = new Map<string, Entry<HttpApi>>([
    ...PROBES,
    ['/authorize', { methods: ['POST'], route: authorizeRoute }],
    [api.config.http.forwardAuthPath, { route: forwardAuthRoute }],
  ]);
  // AuthZEN's evaluations are on gateways' request path too (docs/authzen.md).
  if (api.config.authzen.enabled) {
    routes.set(AZ.evaluation, { methods: ['POST'], route: authzenEvaluationRoute });
    routes.set(AZ.evaluations, { methods: ['POST'], route: authzenEvaluationsRoute });
    routes.set(AZ.searchSubject, { methods: ['POST'], route: authzenSearchRoute('subject') });
    routes.set(AZ.searchResource, { methods: ['POST'], route: authzenSearchRoute('resource') });
    routes.set(AZ.searchAction, { methods: ['POST'], route: authzenSearchRoute('action') });
    routes.set(AZ.metadata, { methods: GET, route: authzenMetadataRoute });
  }
  // Outbound tokens for the service's own calls (docs/service-to-service.md).
  if (api.tokens) {
    routes.set('/v1/tokens/service', { methods: ['POST'], route: serviceTokenRoute });
    if (api.tokens.settings.exchange) routes.set('/v1/tokens/exchange', { methods: ['POST'], route: exchangeTokenRoute });
  }
  // Envoy's HTTP ext_authz service (extAuthz.http.pathPrefix): the one prefix route, any method, matched after the exact ones.
  const prefix = api.config.extAuthz.http.pathPrefix;
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const entry = routes.get(path);
    if (entry && (!entry.methods || entry.methods.includes(req.method!))) run(entry.route, api, req, res, q === -1 ? '' : url.slice(q + 1));
    else if (prefix !== undefined && path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) run(extAuthzRoute, api, req, res, q === -1 ? '' : url.slice(q + 1));
    else app(req, res);
  };
}

/**
 * The diagnostics listener (`diagnostics.listen`, and the cluster primary's): only the probes,
 * so it can face probes and Prometheus on the pod network while the decision API stays on
 * loopback. `current` is read once per request (a reload may have replaced the generation).
 */
export function createDiagnosticsHandler(current: () => ProbeApi): RequestListener {
  return (req, res) => {
    const api = current();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!GET.includes(req.method!)) return sendJson(res, 405, { code: 'not_found', message: 'only GET is served here' });
    const entry = PROBES.get(path);
    if (!entry) return sendJson(res, 404, { code: 'not_found', message: `no route for ${req.method} ${path} on the diagnostics listener` });
    run(entry.route, api, req, res, q === -1 ? '' : url.slice(q + 1));
  };
}

function run<A extends ProbeApi>(route: Route<A>, api: A, req: IncomingMessage, res: ServerResponse, query: string): void {
  try {
    const done = route(api, req, res, query);
    if (done) done.catch((err: unknown) => sendError(res, err, api.log));
  } catch (err) {
    sendError(res, err, api.log);
  }
}
