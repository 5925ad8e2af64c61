// The shared tier's read outside the sidecar: the ioredis pipeline src/claims/shared/shared-tier.ts used before
// (HGET entry, GET refusal, EXISTS lock), the same three as one script (what it uses now), a single HGET, the three commands unpipelined, and a raw RESP PING on
// its own socket (no client library: the machine's floor), interleaved, one at a time, 1 ms apart, against a
// redis-server started on a free loopback port. docs/fleet.md ("A shared hit's cost") uses it to tell the
// client's share of a shared hit's tail from the sidecar's.
// Run: bash scripts/install-redis.sh && node scripts/measure-redis-read.ts [rounds, default 3000]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { SHARED_READ } from '../src/claims/shared/shared-read-script.ts';

const rounds = Number(process.argv[2] ?? 3000);
const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const client = new Redis(`redis://127.0.0.1:${port}`, { commandTimeout: 250, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
client.on('error', () => undefined); // refused until redis-server listens; the retry strategy connects then
await new Promise((resolve) => client.once('ready', resolve));
await client.hset('h', 'f', 'x'.repeat(600)); // about a sealed entry's size
// The shared tier's read as one script (src/claims/shared/shared-tier.ts SHARED_READ), sent as EVALSHA.
client.defineCommand('sharedRead', { numberOfKeys: 3, lua: SHARED_READ });
const raw = net.connect(port, '127.0.0.1');
await new Promise((resolve) => raw.once('connect', resolve));
raw.setNoDelay(true);

const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const ping = (): Promise<unknown> =>
  new Promise((resolve) => {
    raw.once('data', resolve);
    raw.write('*1\r\n$4\r\nPING\r\n');
  });
const kinds: [string, () => Promise<unknown>][] = [
  ['raw RESP PING (no client)', ping],
  ['ioredis pipeline HGET+GET+EXISTS (the shared read)', () => client.pipeline().hget('h', 'f').get('r').exists('l').exec()],
  ['ioredis script HGET+GET+EXISTS, one EVALSHA', () => (client as unknown as { sharedRead(...a: string[]): Promise<unknown> }).sharedRead('h', 'r', 'l', 'f')],
  ['ioredis HGET', () => client.hget('h', 'f')],
  ['ioredis HGET, GET, EXISTS unpipelined', () => Promise.all([client.hget('h', 'f'), client.get('r'), client.exists('l')])],
];
const samples = kinds.map(() => [] as number[]);
for (let i = 0; i < rounds; i++) {
  for (const [k, [, f]] of kinds.entries()) {
    samples[k]!.push(await timed(f));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
const q = (xs: number[], p: number): string => xs[Math.floor(p * (xs.length - 1))]!.toFixed(2);
console.log(`Node ${process.version}, ${rounds} rounds, one request at a time\n\n| read | p50 ms | p99 ms | max ms |\n| --- | ---: | ---: | ---: |`);
for (const [k, [name]] of kinds.entries()) {
  const xs = samples[k]!.sort((a, b) => a - b);
  console.log(`| ${name} | ${q(xs, 0.5)} | ${q(xs, 0.99)} | ${q(xs, 1)} |`);
}
client.disconnect();
raw.destroy();
server.kill();
