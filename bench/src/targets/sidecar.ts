import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, waitUntil } from '../lib/child.ts';
import { pinned } from '../lib/pinning.ts';
import { waitForWorkers } from './cluster-ready.ts';
import { postJson, REQUEST, type StartOptions, type Target } from './target.ts';

/**
 * authz-sidecar exactly as a user runs it: `node bin/authz-sidecar.js serve` from the repository
 * root with AUTHZ_* variables and a config file, so the harness measures whatever the checked-out
 * sidecar is. Decisions go to a file, as in production. With `o.workers` it runs in cluster mode
 * (AUTHZ_WORKERS): a primary that forks the workers and writes their decision log.
 */
export async function startSidecar(o: StartOptions): Promise<Target> {
  // Two sidecars may run side by side in one scenario (hot-workers-2): each has its own files.
  const name = o.name ?? 'sidecar';
  const config = join(o.dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify(
      merge(
        {
          audience: [o.audience],
          // The default configuration: no cache sizing (a scenario that needs it says so in its name), and no
          // policy.relevantRoles: the sample bundle declares its relevant roles itself
          // (rego/authz/data.json, authz_sidecar.relevant_roles). The peer gets every role.
          // The AuthZEN scenarios: the sample policy's route mapping answers (rego/authz/authzen.rego).
          authzen: { enabled: true, entrypoint: 'authz/authzen/evaluation' },
        },
        o.config ?? {},
      ),
    ),
  );
  const decisionLog = join(o.dir, `${name}-decisions.log`);
  const stderrFile = join(o.dir, `${name}.stderr.log`);
  const nodeArgs = [...(o.nodeArgs ?? [])];
  if (o.cpuProfile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfile.dir}`, `--cpu-prof-name=${o.cpuProfile.name}`);
  const [cmd, args] = pinned(o.cpu, process.execPath, [...nodeArgs, 'bin/authz-sidecar.js', 'serve', '--config', config]);
  const child = startChild(cmd, args, {
    cwd: o.root,
    env: {
      ...process.env,
      AUTHZ_ISSUER: o.issuer,
      AUTHZ_BUNDLE: join(o.root, 'bundles/authz.tar.gz'),
      AUTHZ_LISTEN: `127.0.0.1:${o.port}`,
      AUTHZ_DECISION_LOG: decisionLog,
      ...(o.workers !== undefined ? { AUTHZ_WORKERS: String(o.workers) } : {}),
      ...(o.grpcPort ? { AUTHZ_EXT_AUTHZ_GRPC_LISTEN: `127.0.0.1:${o.grpcPort}` } : {}),
    },
    stdoutFile: join(o.dir, `${name}.stdout.log`),
    stderrFile,
  });
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await waitUntil('the sidecar', child, async () => (await fetch(`${url}/ready`)).status === 200);
    if (o.workers !== undefined && o.workers > 1) await waitForWorkers(url, o.workers, stderrFile, child);
  } catch (err) {
    await child.stop(1000);
    throw new Error(`${(err as Error).message}; its log: ${tail(stderrFile)}`);
  }
  return {
    name,
    // The gRPC wire's "URL" is the ext_authz address tools/extauthz dials.
    url: o.grpcPort ? `127.0.0.1:${o.grpcPort}` : url,
    pid: child.pid,
    cpus: o.cpu,
    wire: o.grpcPort ? 'grpc' : 'sidecar',
    child,
    async decide(token) {
      const res = await postJson(`${url}/authorize`, JSON.stringify(REQUEST), { authorization: `Bearer ${token}` });
      if (res.status !== 200) throw new Error(`sidecar answered ${res.status}: ${JSON.stringify(res.json)}`);
      return res.json.allow === true;
    },
    async stop() {
      const code = await child.stop();
      // The sidecar reports its decision-log counters in its last process-log line; in cluster mode each
      // worker writes one (the primary relays them): the sum is the target's.
      const stopped = readFileSync(stderrFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"stopped"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      if (stopped.length === 0) return { exit: code };
      const sum = (k: string): number => stopped.reduce((a, l) => a + Number(l[k] ?? 0), 0);
      return { exit: code, decisions_logged: sum('decisions_logged'), decisions_dropped: sum('decisions_dropped') };
    },
  };
}

/** `base` with `extra`'s keys added, objects merged member by member. */
function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = b && v && typeof b === 'object' && typeof v === 'object' && !Array.isArray(v) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export function tail(file: string, chars = 600): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars).trim();
  } catch {
    return '(no log)';
  }
}
