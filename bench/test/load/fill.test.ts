import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fill, sampleLast } from '../../src/load/fill.ts';

describe('sampleLast', () => {
  it('fills the measured sample (every stride-th) last, everything once', () => {
    const tokens = Array.from({ length: 10 }, (_, i) => `t${i}`);
    assert.deepEqual(sampleLast(tokens, 5), ['t1', 't2', 't3', 't4', 't6', 't7', 't8', 't9', 't0', 't5']);
  });

  it('keeps the order without a stride', () => {
    assert.deepEqual(sampleLast(['a', 'b', 'c'], undefined), ['a', 'b', 'c']);
    assert.deepEqual(sampleLast(['a', 'b', 'c'], 1), ['a', 'b', 'c']);
  });
});

describe('fill', () => {
  it('counts failed requests by kind: status and the answer\'s code, or the socket error', async () => {
    const server = createServer((req, res) => {
      const token = req.headers['authorization'];
      if (token === 'Bearer reset') return void req.socket.destroy();
      if (token === 'Bearer busy') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"claims_unavailable"}');
      if (token === 'Bearer html') return void res.writeHead(502).end('<html>');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"allow":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await fill(url, 'sidecar', ['ok', 'busy', 'ok', 'busy', 'html', 'reset'], 2);
      assert.equal(r.sent, 6);
      assert.equal(r.failed, 4);
      assert.deepEqual(r.kinds, { '503 claims_unavailable': 2, '502': 1, ECONNRESET: 1 });
    } finally {
      server.close();
    }
  });
});
