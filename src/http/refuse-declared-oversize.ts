import type { NextFunction, Request, Response } from 'express';
import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * Refuses a body whose declared Content-Length is over the limit from the headers alone, and
 * closes the connection instead of reading the body. Why: body-parser 2 drains the whole body
 * before it answers 413, so a client announcing 1 GiB would hold the connection until the
 * request timeout. Chunked bodies have no declared length; body-parser stops buffering them at
 * the limit and http.requestTimeoutMs bounds the rest.
 */
export function refuseDeclaredOversize(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      res.setHeader('Connection', 'close');
      next(new SidecarError('payload_too_large', `the request body is larger than ${maxBytes} bytes`));
      return;
    }
    next();
  };
}
