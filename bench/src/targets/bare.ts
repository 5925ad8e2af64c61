import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, waitUntil } from '../lib/child.ts';
import { pinned } from '../lib/pinning.ts';
import { postJson, REQUEST, type StartOptions, type Target } from './target.ts';

/** The bare node:http ceiling, on the same core budget and with the same requests as the sidecar. */
export async function startBare(o: StartOptions): Promise<Target> {
  const script = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
  const [cmd, args] = pinned(o.cpu, process.execPath, [script, String(o.port)]);
  const child = startChild(cmd, args, { stdoutFile: join(o.dir, 'bare.stdout.log'), stderrFile: join(o.dir, 'bare.stderr.log') });
  const url = `http://127.0.0.1:${o.port}`;
  await waitUntil('the bare server', child, async () => (await postJson(`${url}/authorize`, '{}')).status === 200);
  return {
    name: 'bare',
    url,
    pid: child.pid,
    cpus: o.cpu,
    wire: 'sidecar',
    child,
    async decide(token) {
      const res = await postJson(`${url}/authorize`, JSON.stringify(REQUEST), { authorization: `Bearer ${token}` });
      return res.status === 200 && res.json.allow === true;
    },
    async stop() {
      return { exit: await child.stop() };
    },
  };
}
