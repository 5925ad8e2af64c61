import { OPA_AUTHZEN_PATH } from '../targets/opa.ts';
import { REQUEST } from '../targets/target.ts';

/**
 * The AuthZEN scenarios' request, in each target's wire format (authz.lua builds the same bytes):
 * `n` = 1 is one `POST /access/v1/evaluation`, `n` > 1 one `POST /access/v1/evaluations` with `n`
 * evaluations for the token's own subject (REQUEST's method on REQUEST's path + `/<i>`, all allowed for
 * the bench subjects). The stock-OPA peer gets the same request inside its input, with the token
 * (bench/peer/opa/peer_authzen.rego).
 */
export function authzenRequest(wire: 'sidecar' | 'opa', sub: string, token: string, n: number): { path: string; headers: Record<string, string>; body: string } {
  const subject = { type: 'user', id: sub };
  const action = { name: REQUEST.method };
  const resource = (i: number) => ({ type: 'route', id: n === 1 ? REQUEST.path : `${REQUEST.path}/${i}` });
  const q = n === 1 ? { subject, action, resource: resource(0) } : { subject, action, evaluations: Array.from({ length: n }, (_, i) => ({ resource: resource(i) })) };
  const which = n === 1 ? 'evaluation' : 'evaluations';
  return wire === 'opa'
    ? { path: `${OPA_AUTHZEN_PATH}/${which}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { token, ...q } }) }
    : { path: `/access/v1/${which}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(q) };
}

/** The subject of a bench token (its `sub`), read from the payload: the tokens are the harness's own. */
export function subOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string }).sub;
}
