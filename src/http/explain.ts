import { SidecarError } from '../errors/sidecar-error.ts';

/** `?explain=input` (or a bare `?explain`) asks for the input document; anything else is refused, so a typo is visible. */
export function explainMode(params: URLSearchParams, allowed: boolean): boolean {
  if (!params.has('explain')) return false;
  const v = params.get('explain');
  if (v !== '' && v !== 'input') throw new SidecarError('invalid_request', `explain=${v} is not supported; use explain=input`);
  if (!allowed) throw new SidecarError('invalid_request', 'explain is disabled on this sidecar (http.explain)');
  return true;
}
