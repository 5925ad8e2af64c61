import { badge, h, num, table } from '../dom.js';
import { href } from '../state.js';

/**
 * @typedef {{ row: number, time: string | null, outcome: string, subject: string | null, method: string | null,
 *   path: string | null, revision: string, errorCode: string | null, reason: string | null, change?: string }} RowView
 * @typedef {{ total: number, offset: number, limit: number, order: string, items: RowView[] }} Page
 */

/**
 * A page of decisions: time (a link to the detail), result, subject, request, revision, reason.
 * @param {Page} page
 * @param {URLSearchParams} s
 */
export function decisionTable(page, s) {
  const selected = s.get('row');
  const changes = page.items.some((r) => r.change);
  const rows = page.items.map((r) =>
    h(
      'tr',
      { class: String(r.row) === selected ? 'selected' : null, 'data-row': r.row },
      h('td', { class: 'time' }, h('a', { href: href({ row: r.row }) }, r.time ?? '(no time)')),
      changes ? h('td', {}, h('span', { class: `badge change ${r.change === 'allow->deny' ? 'deny' : 'allow'}` }, r.change === 'allow->deny' ? 'allow → deny' : 'deny → allow')) : null,
      h('td', {}, badge(r.outcome, r.errorCode)),
      h('td', { class: 'subject' }, r.subject ?? h('span', { class: 'none' }, 'no verified subject')),
      h('td', { class: 'request' }, r.method ? `${r.method} ${r.path}` : h('span', { class: 'none' }, 'no request')),
      h('td', { class: 'revision' }, r.revision),
      h('td', { class: 'reason' }, r.reason ?? ''),
    ),
  );
  return table(['Time', ...(changes ? ['Change'] : []), 'Logged result', 'Subject', 'Request', 'Revision', 'Reason'], rows, 'decisions');
}

/**
 * "1–50 of 4,443, newest first" with links to the neighbouring pages and the other order.
 * @param {Page} page
 * @param {string} noun
 */
export function pager(page, noun = 'decisions') {
  const { total, offset, limit, order } = page;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return h(
    'div',
    { class: 'pager' },
    h('span', { class: 'range' }, total === 0 ? `No ${noun} match` : `${num(first)}–${num(last)} of ${num(total)} ${noun}, ${order === 'asc' ? 'oldest' : 'newest'} first`),
    offset > 0 ? h('a', { href: href({ offset: Math.max(0, offset - limit) }), class: 'button' }, '‹ Previous') : null,
    last < total ? h('a', { href: href({ offset: offset + limit }), class: 'button' }, 'Next ›') : null,
    h('a', { href: href({ order: order === 'asc' ? 'desc' : 'asc', offset: null }), class: 'button' }, order === 'asc' ? 'Newest first' : 'Oldest first'),
  );
}
