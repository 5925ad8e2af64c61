import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { normalizeRequest } from '../../src/request/normalize-request.ts';
import { buildInput } from '../../src/decision/build-input.ts';

const subject = { sub: 'fuzz', iss: 'https://idp.example', roles: ['r'] };

/**
 * Fuzz target (Jazzer.js shape) for the input builder: request normalisation and the input
 * document. The first byte splits method from target. Invariants: only `invalid_request` is
 * thrown; an accepted path is `/` + its segments, none empty, `.`, `..`, or holding `/`, `\`,
 * control characters or a percent-encoding; and the input document serialises (opa-wasm
 * stringifies it).
 */
export function fuzz(data: Buffer): void {
  const cut = data.length === 0 ? 0 : data[0]! % Math.max(1, data.length);
  const text = data.subarray(1).toString('latin1');
  const method = text.slice(0, cut);
  const target = text.slice(cut);
  let request;
  try {
    request = normalizeRequest(method, target);
  } catch (err) {
    if (err instanceof SidecarError && err.code === 'invalid_request') return;
    throw new Error(`normalizeRequest threw something other than invalid_request: ${String(err)}`, { cause: err });
  }
  if (request.path !== `/${request.segments.join('/')}`) throw new Error(`path ${request.path} does not match its segments`);
  for (const seg of request.segments) {
    // eslint-disable-next-line no-control-regex
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\u0000-\u001f\u007f]|%[0-9a-f]{2}/i.test(seg)) {
      throw new Error(`unsafe segment ${JSON.stringify(seg)} from ${JSON.stringify(target)}`);
    }
  }
  JSON.stringify(buildInput(subject, request, { context: { target } }));
}
