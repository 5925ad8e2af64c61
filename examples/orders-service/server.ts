// An example service behind authz-sidecar: every /api request is authorized by the local sidecar
// through the express middleware from 'authz-sidecar/client'. Run it next to `npm start` (the demo):
//
//   npm run build:client && node examples/orders-service/server.ts
//   TOKEN=$(npx authz-sidecar demo token bob)
//   curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/api/orders/1          # 200
//   curl -s -X DELETE -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/api/orders/1 # 403
import express from 'express';
import { authzMiddleware, type AuthorizeResult } from 'authz-sidecar/client';

declare global {
  namespace Express {
    interface Request {
      /** Set by authzMiddleware: the sidecar's answer for this request. */
      authz?: AuthorizeResult;
    }
  }
}

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

// The two lines: every route below needs the sidecar's allow (deny, token problems and an
// unreachable or slow sidecar are answered by the middleware: 403, 401, 503).
app.use('/api', authzMiddleware<express.Request>({ timeoutMs: 500, input: (req) => ({ context: { ip: req.ip } }) }));

app.get('/api/orders/:id', (req, res) => {
  res.json({ id: req.params.id, items: [], decision_id: req.authz?.decisionId });
});
app.delete('/api/orders/:id', (_req, res) => {
  res.status(204).end();
});

const port = Number(process.env['PORT'] ?? 3000);
const server = app.listen(port, process.env['HOST'] ?? '127.0.0.1', () => {
  const { port: bound } = server.address() as { port: number };
  process.stderr.write(`orders-service on http://127.0.0.1:${bound} (sidecar: ${process.env['AUTHZ_SIDECAR_URL'] ?? 'http://127.0.0.1:8181'})\n`);
});
process.on('SIGTERM', () => server.close());
