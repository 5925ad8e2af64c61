// The page's state lives in the URL's fragment (#view=decisions&subject=bob&offset=50), so every
// view can be linked to, reloaded and walked through with the back button. The fragment is never
// sent to the server.

/** The filters the API takes, by the names the CLI uses (src/audit/parse-filter.ts). */
export const FILTER_KEYS = /** @type {const} */ (['subject', 'path', 'method', 'result', 'error-code', 'revision', 'since', 'until', 'reason', 'decision-id']);

export function state() {
  return new URLSearchParams(location.hash.slice(1));
}

/**
 * A link to the current state with some keys changed (null removes one).
 * @param {Record<string, string | number | null>} changes
 * @param {URLSearchParams} [from]
 */
export function href(changes, from = state()) {
  const p = new URLSearchParams(from);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') p.delete(k);
    else p.set(k, String(v));
  }
  return `#${p}`;
}

/** @param {Record<string, string | number | null>} changes */
export function go(changes) {
  location.hash = href(changes).slice(1);
}

/**
 * The filter part of the state, as API query parameters.
 * @param {URLSearchParams} [s]
 */
export function filterParams(s = state()) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = s.get(k);
    if (v) p.set(k, v);
  }
  return p;
}

/**
 * Changes that replace every filter with `filters` (and go back to the first page).
 * @param {Partial<Record<(typeof FILTER_KEYS)[number], string>>} filters
 */
export function withFilters(filters) {
  /** @type {Record<string, string | null>} */
  const changes = { offset: null };
  for (const k of FILTER_KEYS) changes[k] = filters[k] ?? null;
  return changes;
}
