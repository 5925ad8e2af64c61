#!/usr/bin/env node
// A stand-in for the service behind nginx: answers every request with 200 and a small JSON body
// saying what it received. It does no authorization of its own: nginx asks authz-sidecar first
// (deploy/nginx/authz.conf). Plain JavaScript with no dependencies, so any Node runs it.
//
//   DEMO_HOST (default 127.0.0.1), DEMO_PORT (default 3000; 0 picks a free port)
import { createServer } from 'node:http';

const host = process.env.DEMO_HOST ?? '127.0.0.1';
const port = Number(process.env.DEMO_PORT ?? 3000);

const server = createServer((req, res) => {
  console.log(`demo-service: ${req.method} ${req.url}`);
  const body = JSON.stringify({
    service: 'demo-service',
    method: req.method,
    url: req.url,
    // nginx passes the sidecar's decision id on (proxy_set_header X-Authz-Decision-Id).
    decision_id: req.headers['x-authz-decision-id'] ?? null,
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  console.log(`demo-service: listening on http://${address.includes(':') ? `[${address}]` : address}:${bound}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
