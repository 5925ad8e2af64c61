import { get } from '../api.js';
import { drawRevisions, drawTimeline } from '../charts.js';
import { h, fill, num, pct, table, tr } from '../dom.js';
import { filterParams, go, href, state, withFilters } from '../state.js';

const NO_SUBJECT = '(no verified subject)';

/**
 * Totals, the two charts, the revisions and the most denied subjects, requests, reasons and
 * error codes, all for the current filter; every ranked entry links to the matching decisions.
 * @param {HTMLElement} el
 * @param {URLSearchParams} s
 * @param {() => boolean} current
 */
export async function renderOverview(el, s, current) {
  const { summary: sm, timeline: tl } = await get('/api/summary', filterParams(s));
  if (!current()) return;
  const timelineBox = h('div', { class: 'chart', id: 'chart-timeline' });
  const revisionBox = h('div', { class: 'chart', id: 'chart-revisions' });
  const zoomed = s.has('since') || s.has('until');
  fill(
    el,
    h(
      'div',
      { class: 'totals', id: 'totals' },
      card('decisions', sm.decisions, sm.from ? `${sm.from} … ${sm.to}` : 'no timestamps'),
      card('allow', sm.allow, pct(sm.allow, sm.decisions)),
      card('deny', sm.deny, `${pct(sm.deny, sm.decisions)} · policy ${num(sm.deny - sm.errors)} · errors ${num(sm.errors)}`),
      card('error', sm.errors, pct(sm.errors, sm.decisions)),
    ),
    h(
      'div',
      { class: 'box' },
      h('h2', {}, 'Decisions over time'),
      h(
        'p',
        { class: 'hint' },
        `Buckets of ${duration(tl.width)}. Drag across a chart to zoom into that time range. `,
        zoomed ? h('a', { href: href({ since: null, until: null, offset: null }), id: 'reset-zoom', class: 'button' }, 'Reset time range') : null,
      ),
      timelineBox,
    ),
    h('div', { class: 'box' }, h('h2', {}, 'Policy denies by bundle revision'), revisionBox, revisionTable(sm.revisionTable)),
    h(
      'div',
      { class: 'tops' },
      top('Most denied subjects', 'top-subjects', sm.topDeniedSubjects, (k) => (k === NO_SUBJECT ? null : { subject: k, result: 'deny' })),
      top('Most denied requests', 'top-paths', sm.topDeniedPaths, (k) => ({ method: k.slice(0, k.indexOf(' ')), path: k.slice(k.indexOf(' ') + 1), result: 'deny' })),
      top('Most frequent deny reasons', 'top-reasons', sm.topDeniedReasons, (k) => ({ reason: k, result: 'deny' })),
      top('Errors by code', 'top-errors', sm.errorCodes, (k) => ({ 'error-code': k, result: 'error' })),
    ),
  );
  /** @param {Date} from @param {Date} to */
  const onRange = (from, to) => go({ since: from.toISOString(), until: to.toISOString(), offset: null });
  if (tl.allow.length > 0) {
    drawTimeline(timelineBox, tl, onRange);
    drawRevisions(revisionBox, tl, onRange);
  } else {
    fill(timelineBox, h('p', { class: 'none' }, 'No decision with a timestamp matches.'));
  }
}

/**
 * @param {string} kind
 * @param {number} n
 * @param {string} note
 */
function card(kind, n, note) {
  return h('div', { class: `card ${kind}`, 'data-kind': kind }, h('div', { class: 'label' }, kind), h('div', { class: 'value' }, num(n)), h('div', { class: 'note' }, note));
}

/**
 * A ranked list; each entry links to the decisions it counts (the current filters plus its own).
 * @param {string} title
 * @param {string} id
 * @param {[string, number][]} entries
 * @param {(key: string) => Record<string, string> | null} filterFor
 */
function top(title, id, entries, filterFor) {
  const s = state();
  const rows = entries.map(([k, n]) => {
    const f = filterFor(k);
    const current = Object.fromEntries([...new URLSearchParams(s)].filter(([key]) => key !== 'view' && key !== 'offset' && key !== 'row'));
    const label = f ? h('a', { href: href({ ...withFilters({ ...current, ...f }), view: 'decisions', row: null }) }, k) : h('span', { class: 'none' }, k);
    return tr(h('td', { class: 'key' }, label), h('td', { class: 'count' }, num(n)));
  });
  return h('div', { class: 'box top', id }, h('h2', {}, title), rows.length > 0 ? table(['', 'decisions'], rows) : h('p', { class: 'none' }, 'none'));
}

/**
 * @param {{ revision: string, allow: number, deny: number, errors: number, from?: string, to?: string }[]} revs
 */
function revisionTable(revs) {
  const rows = revs.map((r) => {
    const total = r.allow + r.deny + r.errors;
    return tr(
      h('td', {}, h('a', { href: href({ revision: r.revision, offset: null }) }, r.revision)),
      h('td', { class: 'count' }, num(total)),
      h('td', { class: 'count' }, num(r.allow)),
      h('td', { class: 'count' }, num(r.deny)),
      h('td', { class: 'count' }, num(r.errors)),
      h('td', { class: 'count' }, pct(r.deny, total)),
      r.from ?? '',
      r.to ?? '',
    );
  });
  return table(['Revision', 'decisions', 'allow', 'deny (policy)', 'errors', 'policy denies', 'first', 'last'], rows, 'revisions');
}

/** @param {number} ms */
function duration(ms) {
  const s = ms / 1000;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${s / 60} min`;
  if (s < 86400) return `${s / 3600} h`;
  return `${s / 86400} d`;
}
