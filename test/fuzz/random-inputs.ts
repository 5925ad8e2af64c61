import fc from 'fast-check';

/**
 * The unguided baseline (what `npm test` ran before the coverage-guided fuzzer): random buffers
 * and up to eight random byte edits of a seed, drawn by fast-check with no feedback.
 */
export function randomInputs(seeds: readonly Buffer[], seed: number): () => Buffer[] {
  const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete', 'dup') });
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 8 })).map(([s, edits]) => {
    let b = [...s];
    for (const { at, byte, kind } of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (kind === 'set') b[i] = byte;
      else if (kind === 'insert') b.splice(i, 0, byte);
      else if (kind === 'delete') b.splice(i, 1);
      else b = [...b.slice(0, i), ...b.slice(i, i + 16), ...b.slice(i)];
    }
    return Buffer.from(b);
  });
  const inputs = fc.oneof(fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)), mutated);
  let call = 0;
  return () => fc.sample(inputs, { numRuns: 200, seed: seed + call++ });
}
