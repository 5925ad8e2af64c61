import { get } from '../api.js';
import { fill, h, num, table, tr } from '../dom.js';
import { filterParams, href } from '../state.js';
import { decisionTable, pager } from './rows.js';

/**
 * What the candidate bundle (--bundle) would change: the replay's counts, the changed decisions
 * grouped by request and by subject, and the changed decisions themselves, all within the
 * current filters. While the replay runs, the view refreshes itself.
 * @param {HTMLElement} el
 * @param {URLSearchParams} s
 * @param {() => boolean} current
 * @param {() => void} again
 */
export async function renderReplay(el, s, current, again) {
  const params = filterParams(s);
  params.set('offset', s.get('offset') ?? '0');
  params.set('order', s.get('order') ?? 'desc');
  const r = await get('/api/replay', params);
  if (!current()) return;
  const st = r.status;
  fill(
    el,
    h('div', { class: 'box', id: 'replay-status' }, ...statusOf(st)),
    h(
      'div',
      { class: 'tops two' },
      group('Changed decisions by request', 'replay-paths', r.groups.byPath, (k) => ({ method: k.slice(0, k.indexOf(' ')), path: k.slice(k.indexOf(' ') + 1) })),
      group('Changed decisions by subject', 'replay-subjects', r.groups.bySubject, (k) => ({ subject: k })),
    ),
    h('div', { class: 'box' }, h('h2', {}, 'Changed decisions'), pager(r, 'changed decisions'), r.total > 0 ? decisionTable(r, s) : null),
  );
  if (st.state === 'running') setTimeout(() => current() && again(), 1000);
}

/** @param {any} st */
function statusOf(st) {
  if (st.state === 'failed') return [h('h2', {}, 'Replay failed'), h('p', { class: 'bad' }, String(st.error))];
  if (st.state === 'running') {
    return [h('h2', {}, 'Replaying every logged decision against the candidate bundle…'), h('progress', { max: st.total, value: st.selected }), h('p', {}, `${num(st.selected)} of ${num(st.total)} decisions`)];
  }
  const rep = st.report;
  return [
    h('h2', {}, 'Replay against ', h('code', {}, rep.bundle), ` (revision ${rep.revision}, entrypoint ${rep.entrypoint ?? '-'})`),
    h('p', { class: 'hint' }, `Every logged decision replayed, as audit replay counts them; the groups and the list below are within the filters.`),
    table(
      ['', 'decisions'],
      [
        tr('replayed', num(rep.replayed)),
        tr('unchanged', num(rep.unchanged)),
        tr(h('span', { class: 'badge deny' }, 'allow → deny'), num(rep.allowToDeny)),
        tr(h('span', { class: 'badge allow' }, 'deny → allow'), num(rep.denyToAllow)),
        tr('reasons changed (same allow/deny)', num(rep.reasonsChanged)),
        tr('not replayable (no input logged)', num(rep.notReplayable)),
        tr('replayed with masked input', num(rep.maskedInputs)),
      ],
      'replay-counts',
    ),
  ];
}

/**
 * @param {string} title
 * @param {string} id
 * @param {{ key: string, allowToDeny: number, denyToAllow: number }[]} groups
 * @param {(key: string) => Record<string, string>} filterFor
 */
function group(title, id, groups, filterFor) {
  const rows = groups.map((g) => tr(h('td', { class: 'key' }, h('a', { href: href({ ...filterFor(g.key), offset: null }) }, g.key)), h('td', { class: 'count' }, num(g.allowToDeny)), h('td', { class: 'count' }, num(g.denyToAllow))));
  return h('div', { class: 'box top', id }, h('h2', {}, title), rows.length > 0 ? table(['', 'allow → deny', 'deny → allow'], rows) : h('p', { class: 'none' }, 'none'));
}
