import { get } from '../api.js';
import { badge, byId, fill, h, num } from '../dom.js';
import { href } from '../state.js';

/**
 * One decision as logged: result and reasons, request and subject, claims source and cache
 * state, timings, bundle revision, trace id, masking, its place in the hash chain, and the
 * (masked) input the policy saw.
 * @param {string} row
 * @param {() => boolean} current
 */
export async function renderDetail(row, current) {
  const el = byId('detail');
  el.hidden = false;
  const d = await get(`/api/decisions/${encodeURIComponent(row)}`);
  if (!current()) return;
  const e = d.event;
  const outcome = e.error !== undefined ? 'error' : e.result?.allow === true ? 'allow' : 'deny';
  const reasons = Array.isArray(e.result?.reasons) ? e.result.reasons : [];
  const revisions = Object.entries(e.bundles ?? {}).map(([name, b]) => `${/** @type {any} */ (b)?.revision} (bundle ${name})`);
  const t = e.timings_us ?? {};
  const claims = e.claims ?? {};
  fill(
    el,
    h('div', { class: 'detail-head' }, h('h2', {}, 'Decision ', h('code', {}, String(e.decision_id ?? '?'))), h('a', { href: href({ row: null }), class: 'button', id: 'close-detail' }, 'Close')),
    section('Result', dl(['logged result', badge(outcome, e.error?.code)], ['reasons', reasons.length > 0 ? h('ul', {}, ...reasons.map((/** @type {unknown} */ r) => h('li', {}, String(r)))) : none()], ['error', e.error ? `${e.error.code}: ${e.error.message}` : none()])),
    section('Request', dl(['time', String(e.timestamp ?? '')], ['request', e.request ? `${e.request.method} ${e.request.path}` : none()], ['subject', e.subject ? String(e.subject.sub) : none('no verified subject')], ['issuer', e.subject?.iss ? String(e.subject.iss) : none()], ['trace id', e.trace_id ? String(e.trace_id) : none()])),
    section('Claims', dl(['source', claims.source ? String(claims.source) : none('no claims fetched')], ['cache', claims.cache ? h('span', { class: `cache ${claims.cache}` }, String(claims.cache)) : none()], ['stale because', claims.stale_reason ? String(claims.stale_reason) : none()])),
    section('Timings (µs)', dl(['verify', us(t.verify)], ['claims', us(t.claims)], ['policy', us(t.policy)], ['total', us(t.total)])),
    section('Policy', dl(['bundle revision', revisions.length > 0 ? revisions.join(', ') : none('no bundle active')], ['entrypoint', String(e.path ?? '')], ['instance', `${e.labels?.id ?? '?'} (version ${e.labels?.version ?? '?'})`])),
    section('Masking', dl(['masked', list(e.masked)], ['erased', list(e.erased)], ['mask error', e.mask_error ? String(e.mask_error) : none()])),
    chain(d),
    section('Input (as logged, after masking)', h('pre', { class: 'json', id: 'detail-input' }, e.input === undefined ? '(no input: the decision failed before the policy ran, or it was erased)' : JSON.stringify(e.input, null, 2))),
  );
}

/**
 * @param {any} d
 */
function chain(d) {
  const c = d.chain;
  /** @type {any[]} */
  const problems = d.problems;
  return section(
    'Place in the hash chain',
    dl(
      ['line', String(d.at)],
      ['seq', c ? num(c.seq) : none('not a chained record')],
      ['hash', c ? h('code', {}, c.hash) : none()],
      ['prev', c ? h('code', {}, c.prev) : none()],
      ['record', c ? (c.intact ? h('span', { class: 'ok' }, 'intact: its bytes match its hash') : h('span', { class: 'bad' }, 'MODIFIED: its bytes do not match its hash')) : none()],
      ['verify', problems.length > 0 ? h('ul', { class: 'bad' }, ...problems.map((p) => h('li', {}, `${p.kind}: ${p.message}`))) : h('span', { class: 'ok' }, 'no problem reported at this line')],
      [
        'walk',
        h(
          'span',
          {},
          c?.previousRow !== undefined ? h('a', { href: href({ row: c.previousRow }), class: 'button' }, '‹ previous decision') : null,
          ' ',
          c?.nextRow !== undefined ? h('a', { href: href({ row: c.nextRow }), class: 'button' }, 'next decision ›') : null,
        ),
      ],
    ),
  );
}

/**
 * @param {string} title
 * @param {Node} body
 */
function section(title, body) {
  return h('section', {}, h('h3', {}, title), body);
}

/** @param {...[string, Node | string]} items */
function dl(...items) {
  return h('dl', {}, ...items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** @param {string} [text] */
function none(text = 'none') {
  return h('span', { class: 'none' }, text);
}

/** @param {unknown} v */
function us(v) {
  return typeof v === 'number' ? num(v) : none();
}

/** @param {unknown} v */
function list(v) {
  return Array.isArray(v) && v.length > 0 ? v.map(String).join(', ') : none();
}
