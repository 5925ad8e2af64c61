/**
 * `authz-sidecar/client`: what a service needs to ask its local sidecar. Two lines:
 *
 * @example
 * import { authzMiddleware } from 'authz-sidecar/client';
 * app.use(authzMiddleware({ timeoutMs: 500 }));
 */
export {
  createAuthzClient,
  DEFAULT_SIDECAR_URL,
  type AuthorizeParams,
  type AuthorizeResult,
  type AuthzClient,
  type AuthzClientOptions,
  type ClientFailure,
} from './authz-client.ts';
export { createServiceFetch, ServiceTokenError, type ServiceCallInit, type ServiceFetch, type ServiceFetchOptions } from './service-fetch.ts';
export { authzMiddleware, type AuthzMiddlewareOptions, type RequestLike, type ResponseLike } from './express-middleware.ts';
import { createAuthzClient, type AuthorizeParams, type AuthorizeResult, type AuthzClient } from './authz-client.ts';

let shared: AuthzClient | undefined;

/**
 * One decision from the sidecar at `AUTHZ_SIDECAR_URL` (default http://127.0.0.1:8181) with the
 * default 1 s timeout, through a shared keep-alive client. Fails closed (see createAuthzClient).
 *
 * @example
 * const { allow } = await authorize({ method: 'DELETE', path: '/api/orders/1', token });
 */
export function authorize(params: AuthorizeParams): Promise<AuthorizeResult> {
  shared ??= createAuthzClient();
  return shared.authorize(params);
}
