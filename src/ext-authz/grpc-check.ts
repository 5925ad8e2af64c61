import type protobuf from 'protobufjs';
import { SidecarError } from '../errors/sidecar-error.ts';
import { singleHeader } from '../request/single-header.ts';
import type { ExtAuthzCheck } from './ext-authz-check.ts';
import { protomap } from './protomap.ts';

interface HttpAttributes {
  method?: string;
  headers?: Record<string, string>;
  header_map?: { headers?: { key?: string; value?: string; raw_value?: Uint8Array }[] };
  path?: string;
  host?: string;
  body?: string;
  raw_body?: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Bodies as Go's string([]byte) then encoding/json see them: invalid UTF-8 becomes U+FFFD, it is not refused. */
const lenient = new TextDecoder('utf-8');

/**
 * A decoded `envoy.service.auth.v3.CheckRequest` → the check the pipeline decides. Envoy sends
 * the original request's headers either in `headers` (a map, a repeated header joined with
 * commas) or, with `encode_raw_headers`, in `header_map` (one entry per header, the value in
 * `raw_value`); both are read, and the Authorization header must be one, in one place: two of
 * them, a comma-joined value, or different values in the two places are `invalid_request`, a
 * denied check (src/request/single-header.ts says why).
 */
export function checkOfGrpc(request: protobuf.Message, type: protobuf.Type): ExtAuthzCheck {
  const http = ((request as { attributes?: { request?: { http?: HttpAttributes } } }).attributes?.request?.http ?? {}) as HttpAttributes;
  const mapped = http.headers ?? {};
  const entries = (http.header_map?.headers ?? []).map((h): [string, string] => [h.key ?? '', h.value !== undefined && h.value !== '' ? h.value : decode(h.raw_value)]);
  const fromMap = singleHeader(Object.entries(mapped), 'authorization', true);
  const fromEntries = singleHeader(entries, 'authorization', true);
  if (fromMap !== undefined && fromEntries !== undefined && fromMap !== fromEntries) {
    throw new SidecarError('invalid_request', 'the check carries two different Authorization headers (headers and header_map)');
  }
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    const name = k.toLowerCase();
    headers[name] = headers[name] === undefined ? v : `${headers[name]},${v}`;
  }
  for (const [k, v] of Object.entries(mapped)) headers[k.toLowerCase()] ??= v;
  return {
    method: http.method ?? headers[':method'] ?? '',
    target: http.path ?? headers[':path'] ?? '',
    host: http.host !== undefined && http.host !== '' ? http.host : headers[':authority'],
    authorization: fromMap ?? fromEntries,
    headers,
    body: http.body !== undefined && http.body !== '' ? http.body : http.raw_body?.length ? lenient.decode(http.raw_body) : undefined,
    document: () => protomap(request, type),
  };
}

function decode(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return '';
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SidecarError('invalid_request', 'the check carries a header value that is not UTF-8');
  }
}
