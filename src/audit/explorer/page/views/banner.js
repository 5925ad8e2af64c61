import { byId, fill, h, num } from '../dom.js';
import { href } from '../state.js';

/**
 * The verification result, always in view: intact, or the first break with its kind and line;
 * and what the checkpoints say (or that they were not checked).
 * @param {any} status
 */
export function renderBanner(status) {
  const v = status.verify;
  const el = byId('banner');
  el.className = `banner ${v.ok ? 'ok' : 'broken'}`;
  const range = v.records > 0 ? `, seq ${num(v.firstSeq)}…${num(v.lastSeq)}${v.fromGenesis ? ', from the first record ever' : ` (the ${num(v.firstSeq)} earlier records are not among these files)`}` : '';
  const cp = v.checkpoints;
  const checkpoints = cp.checked
    ? `Checkpoints: ${num(cp.valid)} valid signatures, ${num(cp.matched)} match the log${cp.latestSeq !== undefined ? `; the latest covers seq ${num(cp.latestSeq)}` : ''}.`
    : 'Checkpoints not checked: start audit serve with --key <public key> and the checkpoint file, or cutting the end of the log goes unnoticed.';
  const p = v.firstProblem;
  fill(
    el,
    h('strong', { id: 'banner-verdict' }, v.ok ? 'Chain intact' : `Chain BROKEN: ${num(v.problemCount)} problem${v.problemCount === 1 ? '' : 's'}`),
    ` — ${num(v.records)} records${range}. `,
    p ? h('span', { id: 'banner-first' }, 'First: ', h('span', { class: 'badge error' }, p.kind), ` at ${p.at}${p.seq === undefined ? '' : ` (seq ${num(p.seq)})`}: ${p.message}. `) : null,
    p ? h('a', { href: href({ view: 'chain', offset: null }) }, 'All problems') : null,
    h('span', { class: cp.checked ? 'checkpoints' : 'checkpoints warn', id: 'banner-checkpoints' }, ` ${checkpoints}`),
    status.unreadable > 0 ? h('span', { class: 'warn' }, ` ${num(status.unreadable)} lines are not JSON and were not indexed.`) : null,
  );
}
