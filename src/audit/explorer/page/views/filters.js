import { byId, h } from '../dom.js';
import { FILTER_KEYS, go, state, withFilters } from '../state.js';

/**
 * The filter form: shows the filters of the current state, applies its values (back to the first
 * page, same view), offers the methods, error codes and revisions the log holds.
 * @param {any} status
 */
export function setUpFilters(status) {
  const form = /** @type {HTMLFormElement} */ (byId('filters'));
  /** @param {string} name @param {string[]} values */
  const options = (name, values) => {
    const select = /** @type {HTMLSelectElement} */ (form.elements.namedItem(name));
    for (const v of values) select.append(h('option', { value: v }, v));
  };
  options('method', status.choices.methods);
  options('error-code', status.choices.errorCodes);
  options('revision', status.choices.revisions);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    /** @type {Record<string, string>} */
    const values = {};
    for (const k of FILTER_KEYS) {
      const field = /** @type {HTMLInputElement | HTMLSelectElement} */ (form.elements.namedItem(k));
      if (field.value.trim() !== '') values[k] = field.value.trim();
    }
    go({ ...withFilters(values), row: null });
  });
  byId('clear').addEventListener('click', () => go({ ...withFilters({}), row: null }));
}

/** Puts the current state's filters into the form. */
export function showFilters() {
  const form = /** @type {HTMLFormElement} */ (byId('filters'));
  const s = state();
  for (const k of FILTER_KEYS) {
    const field = /** @type {HTMLInputElement | HTMLSelectElement} */ (form.elements.namedItem(k));
    const v = s.get(k) ?? '';
    if (field instanceof HTMLSelectElement && v !== '' && ![...field.options].some((o) => o.value === v)) field.append(h('option', { value: v }, v));
    field.value = v;
  }
}

/** @param {string | null} message */
export function showFilterError(message) {
  const el = byId('filter-error');
  el.hidden = message === null;
  el.textContent = message ?? '';
}
