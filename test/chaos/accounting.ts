import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';

export interface SinkAccount {
  /** Answered decisions found exactly once. */
  readonly once: number;
  /** Answered decisions not found (besides those lost with a killed worker). */
  readonly missing: number;
  /** Answered decisions not found that a worker answered just before it was killed (SIGKILL): its memory is gone. */
  readonly lostWithKilledWorker: number;
  /** Answered decisions found more than once. */
  readonly duplicated: number;
  /** Records of decisions the harness never saw answered (cut by a kill or restart). */
  readonly unanswered: number;
  /** The first few missing decisions (id and when answered, ms), for the report: where to look. */
  readonly missingSample: readonly { readonly id: string; readonly at: number }[];
}

/**
 * Compares the decisions answered (id -> when) with those recorded (id -> how often). A record missing
 * for a decision answered up to `killWindowMs` before a worker was killed (`kills`, ms) is counted apart.
 */
export function account(answered: ReadonlyMap<string, number>, recorded: ReadonlyMap<string, number>, kills: readonly number[] = [], killWindowMs = 5000): SinkAccount {
  let once = 0;
  let missing = 0;
  let lostWithKilledWorker = 0;
  let duplicated = 0;
  const missingSample: { id: string; at: number }[] = [];
  for (const [id, at] of answered) {
    const n = recorded.get(id) ?? 0;
    if (n === 0 && kills.some((k) => at <= k + 200 && at >= k - killWindowMs)) lostWithKilledWorker++;
    else if (n === 0 && ++missing <= 5) missingSample.push({ id, at });
    else if (n === 1) once++;
    else duplicated++;
  }
  let unanswered = 0;
  for (const id of recorded.keys()) if (!answered.has(id)) unanswered++;
  return { once, missing, lostWithKilledWorker, duplicated, unanswered, missingSample };
}

/** The decision log file and its rotated files (`<name>.<n>`), oldest first. */
export function logFiles(dir: string, name: string): string[] {
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1)))
    .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
  const all = [...rotated, ...(readdirSync(dir).includes(name) ? [name] : [])];
  return all.map((f) => join(dir, f));
}

/** decision_id -> occurrences over the files. */
export function recordedIds(files: readonly string[]): { ids: Map<string, number>; lines: number; unreadable: number } {
  const ids = new Map<string, number>();
  let lines = 0;
  let unreadable = 0;
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line === '') continue;
      lines++;
      try {
        const id = (JSON.parse(line) as { decision_id?: string }).decision_id;
        if (id) ids.set(id, (ids.get(id) ?? 0) + 1);
      } catch {
        unreadable++;
      }
    }
  }
  return { ids, lines, unreadable };
}

/** `authz-sidecar audit verify --json` over the files (the CLI an auditor runs): ok, and its summary. */
export function verifyChain(files: readonly string[], publicKey?: string): { ok: boolean; summary: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'audit', 'verify', '--json', ...(publicKey ? ['--key', publicKey] : []), ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let summary = (r.stdout || r.stderr).trim();
  try {
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    const problems = Array.isArray(j['problems']) ? (j['problems'] as unknown[]) : [];
    summary = JSON.stringify({ ...j, problems: problems.slice(0, 5), problem_count: problems.length });
  } catch {
    // not JSON: keep the text
  }
  return { ok: r.status === 0, summary: summary.slice(0, 2000) };
}
