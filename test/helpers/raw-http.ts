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
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
  });
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
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (text.length >= end + 4 + Number(length?.[1] ?? 0)) done(false);
    });
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
  });
}
