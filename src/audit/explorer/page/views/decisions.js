import { get } from '../api.js';
import { fill } from '../dom.js';
import { filterParams, go } from '../state.js';
import { decisionTable, pager } from './rows.js';

/**
 * One page of the decisions that match the filters; a click on a row opens its detail.
 * @param {HTMLElement} el
 * @param {URLSearchParams} s
 * @param {() => boolean} current
 */
export async function renderDecisions(el, s, current) {
  const params = filterParams(s);
  params.set('offset', s.get('offset') ?? '0');
  params.set('order', s.get('order') ?? 'desc');
  const page = await get('/api/decisions', params);
  if (!current()) return;
  const list = decisionTable(page, s);
  list.addEventListener('click', (e) => {
    const tr = /** @type {HTMLElement} */ (e.target).closest('tr[data-row]');
    if (tr && !(/** @type {HTMLElement} */ (e.target).closest('a'))) go({ row: tr.getAttribute('data-row') });
  });
  fill(el, pager(page), list, page.total > page.limit ? pager(page) : null);
}
