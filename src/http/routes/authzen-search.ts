import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SearchKind } from '../../authzen/types.ts';
import { searchAnswer } from '../authzen-answer.ts';
import { authzenCallOf, searchOf } from '../authzen-request.ts';
import type { HttpApi } from '../http-api.ts';
import { sendJson } from '../send-json.ts';
import { readAuthzenBody } from './authzen-body.ts';

/**
 * `POST /access/v1/search/{subject,resource,action}` (AuthZEN Search APIs): 200
 * `{"page"?: {"next_token", "count", "total"}, "results": [...]}`. `page` is sent when the request had
 * one, or when the results did not fit (`next_token` then continues them; empty on the last page).
 */
export function authzenSearchRoute(kind: SearchKind) {
  return async (api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const call = authzenCallOf(req.headers);
    res.setHeader('X-Request-ID', call.requestId);
    const body = await readAuthzenBody(api, req);
    sendJson(res, 200, searchAnswer(await api.authzen.search({ ...call, ...searchOf(kind, body) })));
  };
}
