import { getHeapSnapshot } from 'node:v8';

/**
 * How many strings the heap holds whose text `matches`: whether equal values are one string or several,
 * which JavaScript itself cannot tell (=== compares text). Reads a heap snapshot, so it takes a second or
 * so. Match on a random part (a UUID) rather than holding the whole text in the test: a string the test
 * holds (and has compared, which flattens it) would be counted too.
 */
export async function countHeapStrings(matches: (text: string) => boolean): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const type = fields.indexOf('type');
  const name = fields.indexOf('name');
  let n = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    if (types[snapshot.nodes[i + type]!] === 'string' && matches(snapshot.strings[snapshot.nodes[i + name]!]!)) n++;
  }
  return n;
}
