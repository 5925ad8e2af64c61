import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { faults, startFaultIdp, type FaultIdp } from '../../helpers/fault-idp.ts';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis-server.ts';

const REPLICA = fileURLToPath(new URL('./fleet-replica.ts', import.meta.url));
const REPLICAS = 20;

describe('fleet single-flight', { skip: skipWithoutRedis }, () => {
  let idp: FaultIdp;
  let redis: TestRedis;
  const children: ChildProcess[] = [];
  before(async () => {
    idp = await startFaultIdp();
    idp.users.set('crowd', { roles: ['admin'] });
    redis = await startTestRedis();
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await redis?.stop();
    await idp?.stop();
  });

  it(`${REPLICAS} replica processes missing one subject at the same instant make 1 IdP call`, { timeout: 120_000 }, async () => {
    // A userinfo answer that takes 150 ms, so the replicas overlap: the others find the lock taken and wait.
    idp.userinfo = faults.after(150, (ctx) => ctx.ok());
    const token = await idp.token({ sub: 'crowd' });
    const key = randomBytes(32).toString('base64');
    const messages: Promise<any>[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const child = fork(REPLICA, [redis.url, key, `${idp.issuer}/userinfo`, token, idp.issuer], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      children.push(child);
      messages.push(new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`replica ${i} exited (${code}) before it was ready`)));
      }));
    }
    await Promise.all(messages);
    const results = children.map((c) => new Promise<any>((resolve) => c.once('message', resolve)));
    for (const c of children) c.send({ go: true });
    const answers = await Promise.all(results);
    for (const c of children) c.send({ stop: true });
    const errors = answers.filter((a) => a.error);
    assert.deepEqual(errors, [], 'every replica got claims');
    for (const a of answers) assert.deepEqual(a.roles, ['admin']);
    const waited = answers.filter((a) => a.shared.waited > 0 || a.shared.hit > 0).length;
    console.log(`# ${REPLICAS} replicas: ${idp.calls.userinfo.get('crowd')} IdP call(s); ${waited} answered by the shared tier (waited or hit)`);
    assert.equal(idp.calls.userinfo.get('crowd'), 1);
    assert.equal(waited, REPLICAS - 1);
  });
});
