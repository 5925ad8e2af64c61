/**
 * The ceiling: a bare node:http server that reads the request and answers 200 with a small JSON
 * body, nothing else. `node bare-server.ts <port>`; prints `listening` when bound.
 */
import { createServer } from 'node:http';

const body = '{"allow":true}';
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
