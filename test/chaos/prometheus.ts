import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';

export const RULES_FILE = join(ROOT, 'deploy/prometheus/authz-sidecar-rules.yml');

/** The binary on PATH, or undefined (scripts/install-prometheus.sh installs Debian's package). */
export function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** `promtool check rules <file>`: ok and its output. */
export function checkRules(file: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * The shipped rules with windows and `for:` shortened for a run that scrapes every second: a window of
 * `window` and no `for:` delay. Nothing else changes, so the expressions are the ones proven.
 */
export function shortenRules(text: string, window: string): string {
  return text.replace(/\[\d+[smh]\]/g, `[${window}]`).replace(/for: \d+[smh]/g, 'for: 0s');
}

export interface AlertWatch {
  /** alert name -> times (ms) it was seen firing. */
  readonly firing: Map<string, number[]>;
  readonly url: string;
  stop(): Promise<void>;
  /** SIGKILL, synchronously (when the harness itself exits abnormally). */
  kill(): void;
}

/** A real Prometheus on loopback scraping `target` (host:port) every second with the shortened rules. */
export async function startPrometheus(dir: string, target: string, window: string): Promise<AlertWatch> {
  mkdirSync(join(dir, 'prometheus-data'), { recursive: true });
  const rules = join(dir, 'rules.yml');
  writeFileSync(rules, shortenRules(readFileSync(RULES_FILE, 'utf8'), window));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }',
      `rule_files: [${JSON.stringify(rules)}]`,
      'scrape_configs:',
      `  - job_name: authz-sidecar`,
      `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = once(child, 'exit');
  const firing = new Map<string, number[]>();
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('prometheus did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const timer = setInterval(() => {
    void fetch(`${url}/api/v1/alerts`)
      .then((r) => r.json() as Promise<{ data: { alerts: { labels: { alertname: string }; state: string }[] } }>)
      .then((j) => {
        const now = Date.now();
        for (const a of j.data.alerts) {
          if (a.state !== 'firing') continue;
          const name = a.labels.alertname;
          if (!firing.has(name)) firing.set(name, []);
          firing.get(name)!.push(now);
        }
      })
      .catch(() => undefined);
  }, 1000);
  return {
    firing,
    url,
    async stop() {
      clearInterval(timer);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
