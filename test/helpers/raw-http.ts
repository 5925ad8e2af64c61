import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Status of the first response line, or undefined when the server closed without answering. */
  readonly status: number | undefined;
  readonly text: string;
}

/** Opens a TCP connection to an `http://host:port` URL. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects everything the server sends until it closes the connection (or `timeoutMs` passes). */
export function readUntilClose(socket: Socket, timeoutMs = 5000): Promise<RawAnswer & { closed: boolean }> {
  return collect(socket, timeoutMs, () => false);
}

/**
 * Sends bytes exactly as given (requests fetch refuses to build: CR/LF in a header, raw
 * non-ASCII, malformed framing, unnormalised URIs) and returns the first answer. The client side
 * stays open: a half-closed socket would let the server drop the request before answering.
 */
export async function rawRequest(url: string, request: string | Buffer): Promise<RawAnswer> {
  const socket = await openSocket(url);
  const answer = readResponse(socket, 5000);
  socket.write(request);
  return answer;
}

/**
 * Resolves as soon as one whole response (headers and a Content-Length body) has arrived, the
 * server closes, or `timeoutMs` passes: for requests that must be answered while the client keeps
 * its side open (a body announced but never sent).
 */
export function readResponse(socket: Socket, timeoutMs = 3000): Promise<RawAnswer & { closed: boolean }> {
  return collect(socket, timeoutMs, (text) => {
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return false;
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
    return text.length >= end + 4 + Number(length?.[1] ?? 0);
  });
}

/** Reads until `complete(text)` holds (answered, still open), the server closes, or `timeoutMs` passes; then destroys the socket. */
function collect(socket: Socket, timeoutMs: number, complete: (text: string) => boolean): Promise<RawAnswer & { closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (complete(text)) done(false);
    });
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
  });
}

export interface OneExchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One HTTP/1.1 request through node:http on a fresh connection (no agent, so a cluster spreads
 * them over its workers), with the headers and body exactly as given (no fetch normalisation).
 */
export function requestOnce(url: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<OneExchange> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
