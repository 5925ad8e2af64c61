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
 * non-ASCII, malformed framing) with `Connection: close` semantics, and returns the answer.
 */
export async function rawRequest(url: string, request: string | Buffer): Promise<RawAnswer> {
  const socket = await openSocket(url);
  const answer = readUntilClose(socket);
  socket.end(request);
  return answer;
}
