/**
 * The questions of `authz-sidecar init` when a value was not given as a flag. Reads answers line by line
 * from any stream (a terminal, or a pipe in tests), so that no answer is lost between two questions.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface Asker {
  /** Asks until `check` accepts the answer (it returns an error message, or undefined). Empty keeps `fallback`. */
  ask(question: string, options?: { fallback?: string; check?: (answer: string) => string | undefined }): Promise<string>;
  /** Asks for answers one per line until an empty line. */
  askMany(question: string, check: (answer: string) => string | undefined): Promise<string[]>;
  close(): void;
}

export function createAsker(input: Readable, output: Writable): Asker {
  const rl = createInterface({ input, terminal: false });
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queued.push(line)));
  rl.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w(undefined);
  });
  const nextLine = (): Promise<string | undefined> =>
    queued.length > 0 ? Promise.resolve(queued.shift()) : closed ? Promise.resolve(undefined) : new Promise((r) => waiting.push(r));
  const endOfInput = () => new TypeError('init: the input ended before every question was answered');

  return {
    async ask(question, options = {}) {
      for (;;) {
        output.write(`${question}${options.fallback ? ` [${options.fallback}]` : ''}: `);
        const line = await nextLine();
        if (line === undefined) throw endOfInput();
        const answer = line.trim() || options.fallback || '';
        const problem = options.check?.(answer);
        if (problem === undefined) return answer;
        output.write(`  ${problem}\n`);
      }
    },
    async askMany(question, check) {
      output.write(`${question} (one per line, an empty line ends):\n`);
      const answers: string[] = [];
      for (;;) {
        output.write('  > ');
        const line = await nextLine();
        if (line === undefined) {
          if (answers.length > 0) return answers;
          throw endOfInput();
        }
        if (line.trim() === '') {
          if (answers.length > 0) return answers;
          output.write('  at least one, please\n');
          continue;
        }
        const problem = check(line.trim());
        if (problem === undefined) answers.push(line.trim());
        else output.write(`  ${problem}\n`);
      }
    },
    close: () => rl.close(),
  };
}
