import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './bundles.ts';

/**
 * A Go tool built by scripts/build-go-tools.sh from the Go module proxy (tools/extauthz: Envoy's
 * and Istio's own Go types; grpcurl; tools/compose-config: compose-spec's loader), built on first use (its progress shown) and reused.
 */
export function goTool(name: 'extauthz' | 'grpcurl' | 'compose-config'): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts/build-go-tools.sh'), name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build-go-tools.sh ${name} failed (status ${r.status}); see its output above`);
  return r.stdout.trim();
}

/**
 * Runs a Go tool and resolves with its exit status and output. Asynchronous on purpose: the tests
 * run the sidecar in their own process, which a synchronous child would block.
 */
export function runGoTool(bin: string, args: readonly string[], input?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
