import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, waitUntil } from '../lib/child.ts';
import { pinned } from '../lib/pinning.ts';
import { coreList } from '../lib/proc-stats.ts';
import { postJson, REQUEST, type StartOptions, type Target } from './target.ts';
import { tail } from './sidecar.ts';

/** Where the peer's query goes: the `decision` rule of bench/peer/opa/peer.rego. */
export const OPA_DECISION_PATH = '/v1/data/bench/peer/decision';
/** Where the peer's AuthZEN queries go (`/evaluation`, `/evaluations`): bench/peer/opa/peer_authzen.rego. */
export const OPA_AUTHZEN_PATH = '/v1/data/bench/peer/authzen';

/**
 * The peer: stock OPA (`.tools/bin/opa run --server`, the pinned version) with
 * bench/peer/opa/*.rego, the sidecar's own rego/authz/ rules and data, and decision logs on the
 * console (OPA writes them to stderr; here a file), as a stock OPA sidecar is deployed. Its caches are configured the
 * way a careful operator would: http.send responses cached by the policy (force_cache), and OPA's
 * io_jwt verified-token cache, which is off by default, turned on.
 */
export async function startOpa(o: StartOptions): Promise<Target> {
  const dataDir = join(o.dir, 'opa-data');
  mkdirSync(join(dataDir, 'bench_config'), { recursive: true });
  // The issuer's keys and userinfo endpoint as data, read from discovery now (see peer.rego, step 1).
  const discovery = (await (await fetch(`${o.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string; userinfo_endpoint: string };
  const jwks = await (await fetch(discovery.jwks_uri)).text();
  writeFileSync(
    join(dataDir, 'bench_config', 'data.json'),
    JSON.stringify({ issuer: o.issuer, audience: o.audience, jwks, userinfo_endpoint: discovery.userinfo_endpoint }),
  );
  const configFile = join(o.dir, 'opa-config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      decision_logs: { console: true },
      caching: {
        inter_query_builtin_cache: { max_size_bytes: 1024 * 1024 * 1024 },
        inter_query_builtin_value_cache: { named: { io_jwt: { disabled: false, max_num_entries: 200_000 } } },
      },
    }),
  );
  const opa = join(o.root, '.tools/bin/opa');
  const [cmd, args] = pinned(o.cpu, opa, [
    'run', '--server', '--addr', `127.0.0.1:${o.port}`, '--log-level', 'error', '--skip-version-check',
    '--config-file', configFile, '--ignore', '*_test.rego',
    join(o.root, 'rego'), join(o.root, 'bench/peer/opa'), dataDir,
  ]);
  const stderrFile = join(o.dir, 'opa.stderr-and-decisions.log');
  // Go sizes GOMAXPROCS from the affinity mask and any cgroup CPU limit; set here, it is one per core given, whatever the container.
  const env = o.cpu === undefined ? process.env : { ...process.env, GOMAXPROCS: String(coreList(o.cpu, 0).length) };
  const child = startChild(cmd, args, { env, stdoutFile: join(o.dir, 'opa.stdout.log'), stderrFile });
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await waitUntil('OPA', child, async () => (await fetch(`${url}/health`)).status === 200);
  } catch (err) {
    await child.stop(1000);
    throw new Error(`${(err as Error).message}; its log: ${tail(stderrFile)}`);
  }
  return {
    name: 'opa',
    url,
    pid: child.pid,
    cpus: o.cpu,
    wire: 'opa',
    child,
    async decide(token) {
      const res = await postJson(`${url}${OPA_DECISION_PATH}`, JSON.stringify({ input: { token, ...REQUEST } }));
      if (res.status !== 200) throw new Error(`OPA answered ${res.status}: ${JSON.stringify(res.json)}`);
      return res.json?.result?.allow === true;
    },
    async stop() {
      return { exit: await child.stop() };
    },
  };
}
