import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { readCappedBody } from '../../src/lib/read-capped-body.ts';
import { startLocalServer, type LocalServer } from '../helpers/local-http.ts';

const CAP = 1000;

describe('readCappedBody', () => {
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // In chunks, so the cap is crossed part-way through a stream and not on the first read.
      for (let sent = 0; sent < size; sent += 300) res.write(Buffer.alloc(Math.min(300, size - sent), 0x61));
      // ?open leaves the response unfinished: only a reader that stops at the cap returns.
      if (!req.url?.includes('open')) res.end();
    });
  });
  after(() => server.close());

  const get = (query: string) => request(`${server.origin}/?${query}`);
  const tooLarge = () => new Error('too large');

  it('returns a body up to the cap whole, including one of exactly the cap', async () => {
    for (const size of [0, 1, 650, CAP]) {
      const body = await readCappedBody((await get(`size=${size}`)).body, CAP, tooLarge);
      assert.equal(body.length, size);
      assert.ok(body.every((b) => b === 0x61));
    }
  });

  it('throws the caller\'s error one byte over the cap', async () => {
    await assert.rejects(readCappedBody((await get(`size=${CAP + 1}`)).body, CAP, tooLarge), /too large/);
  });

  it('stops reading at the cap instead of waiting for the rest of the body', async () => {
    const res = await get(`size=${CAP * 2}&open`);
    await assert.rejects(readCappedBody(res.body, CAP, tooLarge), /too large/);
    assert.equal(res.body.destroyed, true);
  });
});
