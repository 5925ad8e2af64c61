// Writes a synthetic, hash-chained decision log through the real decision logger, for trying and
// measuring the audit explorer (docs/audit-explorer.md):
//   node scripts/generate-decision-log.ts --events 1000000 --out /tmp/big/decisions.log [--key checkpoint-key.pem]
// Prints what it wrote (counts by outcome, error code and revision) as JSON on stdout.
// The mix of subjects, paths and outcomes is in test/helpers/generate-decision-log.ts.
import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { generateDecisionLog } from '../test/helpers/generate-decision-log.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    out: { type: 'string' },
    key: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'max-bytes': { type: 'string' },
  },
});
if (!values.out) {
  process.stderr.write('usage: node scripts/generate-decision-log.ts --events <n> --out <decisions.log> [--key <checkpoint private key>] [--seed <n>] [--max-bytes <rotate at>]\n');
  process.exit(2);
}
const events = Number(values.events);
const t0 = performance.now();
const counts = await generateDecisionLog({
  out: values.out,
  events,
  seed: Number(values.seed),
  ...(values.key ? { checkpointKey: values.key } : {}),
  ...(values['max-bytes'] ? { maxBytes: Number(values['max-bytes']) } : {}),
  progress: (n) => process.stderr.write(`generate: ${n.toLocaleString('en')} events (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`),
});
const { deniedSubjects: _s, deniedPaths: _p, ...summary } = counts;
const size = statSync(values.out).size;
process.stderr.write(`generate: ${events.toLocaleString('en')} events, ${(size / 2 ** 20).toFixed(0)} MiB in ${values.out} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
