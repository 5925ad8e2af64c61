import { SidecarError } from '../errors/sidecar-error.ts';
import type { HttpApi } from './http-api.ts';

/** The one readiness gate of the decision routes: 503 `not_ready`, saying what is missing, until a bundle is active and the issuer discovered. */
export function requireReady(api: Pick<HttpApi, 'whyCannotDecide'>): void {
  const reason = api.whyCannotDecide();
  if (reason !== undefined) throw new SidecarError('not_ready', reason, { expose: true });
}
