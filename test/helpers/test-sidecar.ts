import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { loadSettings } from '../../src/runtime/settings.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.ts';
import { silentLog } from '../../src/lib/process-log.ts';
import type { Config } from '../../src/config/config.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { SAMPLE_BUNDLE, tempDir } from './bundles.ts';

export interface TestSidecar {
  readonly url: string;
  readonly sidecar: Runtime;
  readonly config: Config;
  readonly decisionLogPath: string;
  /** POST /authorize with a bearer token (or a raw Authorization header value). */
  authorize(token: string | undefined, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  decisions(): any[];
  /** The logged decision with this id, once the asynchronous writer has written it. */
  decision(id: string, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

/** Starts the sidecar in-process on 127.0.0.1 with an ephemeral port and a temp decision log. */
export async function startTestSidecar(
  issuer: string,
  overrides: Record<string, unknown> = {},
  waitReady = true,
  options: RuntimeOptions = {},
): Promise<TestSidecar> {
  const decisionLogPath = join(tempDir(), 'decisions.log');
  const settings = loadSettings({
    env: {},
    base: {
      issuer,
      audience: [DEMO_AUDIENCE],
      listen: '127.0.0.1:0',
      'policy.bundle': SAMPLE_BUNDLE,
      'decisionLog.target': decisionLogPath,
      'discovery.retryInitialMs': 20,
      'discovery.retryMaxMs': 200,
      ...overrides,
    },
  });
  const config = settings.config;
  const sidecar = createRuntime(settings, silentLog, options);
  const { url } = await sidecar.start();
  if (waitReady) await sidecar.whenReady();
  // Only complete lines: the log may be read while a record is being appended, and a half-written last line
  // (no newline yet) is not a record (it flaked test/security/forward-auth-uri.test.ts under load).
  const readDecisions = (): any[] => {
    if (!existsSync(decisionLogPath)) return [];
    const text = readFileSync(decisionLogPath, 'utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  return {
    url,
    sidecar,
    config,
    decisionLogPath,
    async authorize(token, body, headers = {}) {
      const res = await fetch(`${url}/authorize`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: token.startsWith('Bearer ') || token.includes(' ') ? token : `Bearer ${token}` }),
          ...headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    decisions: readDecisions,
    async decision(id, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = readDecisions().find((d) => d.decision_id === id);
        if (found || Date.now() > deadline) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => sidecar.stop(),
  };
}
