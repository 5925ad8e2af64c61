import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './bundles.ts';

/**
 * A Go tool built by scripts/build-go-tools.sh from the Go module proxy (tools/extauthz: Envoy's
 * and Istio's own Go types; grpcurl), built on first use (its progress shown) and reused.
 */
export function goTool(name: 'extauthz' | 'grpcurl'): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts/build-go-tools.sh'), name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build-go-tools.sh ${name} failed (status ${r.status}); see its output above`);
  return r.stdout.trim();
}

/** Runs a Go tool and returns its stdout; throws with its stderr when it fails. */
export function runGoTool(bin: string, args: readonly string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { input, encoding: 'utf8', cwd: ROOT, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
