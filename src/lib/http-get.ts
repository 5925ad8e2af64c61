import { request, type Dispatcher } from 'undici';
import { readCappedBody } from './read-capped-body.ts';

export interface HttpGetOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly headers?: Record<string, string>;
  readonly dispatcher?: Dispatcher;
}

export interface HttpGetResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * A GET with one deadline for the whole exchange and a cap on the body, read in full.
 * Why: undici's defaults are 300 s timeouts and no size limit; discovery and JWKS answers
 * come from the network and must not hold a startup or a request forever or exhaust memory.
 * Redirects are not followed. Throws on timeout, network error or oversize.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const res = await request(url, {
    method: 'GET',
    headers: { accept: 'application/json', ...options.headers },
    signal,
    // undici's request() does not follow redirects unless a redirect interceptor is added.
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const body = await readCappedBody(res.body, options.maxBytes, () => new Error(`response from ${new URL(url).origin} is larger than ${options.maxBytes} bytes`));
  const ct = res.headers['content-type'];
  return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body };
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}
