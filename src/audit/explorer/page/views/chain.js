import { get } from '../api.js';
import { fill, h, num, table, tr } from '../dom.js';
import { href } from '../state.js';

/**
 * Every problem audit verify reports (the same verifier ran while the log was indexed), paged,
 * each linking to the decision at that line when there is one.
 * @param {HTMLElement} el
 * @param {URLSearchParams} s
 * @param {() => boolean} current
 * @param {any} status
 */
export async function renderChain(el, s, current, status) {
  const params = new URLSearchParams({ offset: s.get('offset') ?? '0', order: 'asc' });
  const page = await get('/api/problems', params);
  if (!current()) return;
  const v = status.verify;
  const files = v.files.map((/** @type {any} */ f) => tr(f.file, num(f.records), f.firstSeq === undefined ? '' : `${num(f.firstSeq)} … ${num(f.lastSeq)}`));
  const problems = page.items.map((/** @type {any} */ p) =>
    tr(h('span', { class: 'badge error' }, p.kind), p.row === undefined ? p.at : h('a', { href: href({ row: p.row }) }, p.at), p.seq === undefined ? '' : num(p.seq), p.message),
  );
  fill(
    el,
    h('div', { class: 'box' }, h('h2', {}, 'Files, in the writer\'s order'), table(['file', 'records', 'seq'], files)),
    h(
      'div',
      { class: 'box' },
      h('h2', {}, `Problems (${num(page.total)})`),
      page.total === 0 ? h('p', { class: 'ok' }, 'None: no record was modified, deleted, inserted or reordered.') : table(['kind', 'where', 'seq', 'what'], problems, 'problems'),
      page.total > page.limit
        ? h('p', {}, page.offset > 0 ? h('a', { href: href({ offset: Math.max(0, page.offset - page.limit) }), class: 'button' }, '‹ Previous') : null, page.offset + page.limit < page.total ? h('a', { href: href({ offset: page.offset + page.limit }), class: 'button' }, 'Next ›') : null)
        : null,
    ),
  );
}
