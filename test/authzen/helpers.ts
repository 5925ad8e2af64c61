import type { TestSidecar } from '../helpers/test-sidecar.ts';

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/** POSTs JSON to an AuthZEN route of the sidecar; `authorization` is a full header value. */
export async function postAuthzen(sc: TestSidecar, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${sc.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** The decision-log events with this request id, once `count` of them are written (the writer is asynchronous). */
export async function eventsOf(sc: TestSidecar, requestId: string, count: number, timeoutMs = 3000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sc.decisions().filter((d) => d.request_id === requestId);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const route = (method: string, path: string) => ({ action: { name: method }, resource: { type: 'route', id: path } });
