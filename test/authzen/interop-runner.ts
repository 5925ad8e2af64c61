/**
 * The comparisons of the official AuthZEN interop runners, mirrored line for line (openid/authzen at
 * e287920, the commit the cases in test/fixtures/authzen/ come from):
 * - Todo: interop/authzen-todo-backend/test/runner.ts, execute(): the answer to `evaluation` is
 *   `data.decision || false`, to `evaluations` `data.evaluations || []`, and a case passes when
 *   `JSON.stringify(EXP) === JSON.stringify(RSP)`.
 * - Search: interop/authzen-search-demo/test-harness/src/runner.ts, status(): `results` of answer and
 *   expectation sorted (by type then id; actions by name), serialised with nulls dropped, and compared
 *   as strings. (The copy in interop/authzen-search-demo/test/src/runner.ts sorts actions by an `id`
 *   they do not have and so fails every action case with two results or more, for any PDP; the
 *   harness is the runner the results were published with.)
 *
 * Upstream's runners do not look at the HTTP status (an error body has no `decision`, which counts as
 * false); the tests that use these comparisons also require a 200, which upstream does not.
 */

export type Verdict = 'PASS' | 'FAIL';

/** Todo runner: `endpoint` is `evaluation` or `evaluations`, `data` the parsed answer. */
export function todoVerdict(endpoint: 'evaluation' | 'evaluations', data: any, expected: unknown): Verdict {
  const RSP = endpoint === 'evaluation' ? data.decision || false : data.evaluations || [];
  return JSON.stringify(expected) === JSON.stringify(RSP) ? 'PASS' : 'FAIL';
}

type Item = { type?: string; id?: string; name?: string };

/** Search harness: `response` and `expected` are `{results: [...]}` objects. */
export function searchVerdict(response: any, expected: { results: Item[] }): Verdict {
  const sortResults = (items: Item[]): Item[] =>
    [...items].sort((a, b) => {
      if (a.type) {
        if (a.type !== b.type) return a.type.localeCompare(b.type!);
        return a.id!.localeCompare(b.id!);
      }
      return a.name!.localeCompare(b.name!);
    });
  const sortedActualResults = sortResults(response.results || []);
  const sortedExpectedResults = sortResults(expected.results || []);
  const actualJson = JSON.stringify(sortedActualResults, (_, value) => (value === null ? undefined : value));
  const expectedjson = JSON.stringify(sortedExpectedResults, (_, value) => (value === null ? undefined : value));
  return actualJson === expectedjson ? 'PASS' : 'FAIL';
}
