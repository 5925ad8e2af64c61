import type { Dispatcher } from 'undici';

/**
 * Reads an undici response body in full, refusing it past `maxBytes`: the body is destroyed and
 * `tooLarge()` is thrown as soon as the count goes over, before the rest is read.
 * Why: undici has no response-size limit unless one is set, and these bodies come from the network.
 *
 * @example
 * const body = await readCappedBody(res.body, 1024 * 1024, () => new Error('too large'));
 */
export async function readCappedBody(body: Dispatcher.ResponseData['body'], maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
