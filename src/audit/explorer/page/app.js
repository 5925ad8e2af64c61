// The decision log explorer's page. Everything it shows comes from the JSON API, computed on the
// server over the index; this script only lays it out. See docs/audit-explorer.md.

import { ApiError, get } from './api.js';
import { resizeCharts } from './charts.js';
import { byId, fill, h } from './dom.js';
import { href, state } from './state.js';
import { renderBanner } from './views/banner.js';
import { renderChain } from './views/chain.js';
import { renderDecisions } from './views/decisions.js';
import { renderDetail } from './views/detail.js';
import { setUpFilters, showFilterError, showFilters } from './views/filters.js';
import { renderOverview } from './views/overview.js';
import { renderReplay } from './views/replay.js';

const VIEWS = ['overview', 'decisions', 'replay', 'chain'];
/** @type {any} */
let status;
let generation = 0;

async function render() {
  const gen = ++generation;
  const current = () => gen === generation;
  const s = state();
  let view = s.get('view') ?? 'overview';
  if (!VIEWS.includes(view) || (view === 'replay' && !status.replay)) view = 'overview';
  showFilters();
  showFilterError(null);
  for (const v of VIEWS) byId(`view-${v}`).hidden = v !== view;
  for (const a of byId('tabs').querySelectorAll('a')) {
    const v = a.getAttribute('data-view');
    a.classList.toggle('active', v === view);
    a.setAttribute('href', href({ view: v, offset: null, order: null }));
  }
  const el = byId(`view-${view}`);
  document.body.setAttribute('data-loading', 'true');
  try {
    const row = s.get('row');
    const detail = row === null ? undefined : renderDetail(row, current);
    if (row === null) byId('detail').hidden = true;
    if (view === 'overview') await renderOverview(el, s, current);
    else if (view === 'decisions') await renderDecisions(el, s, current);
    else if (view === 'replay') await renderReplay(el, s, current, render);
    else await renderChain(el, s, current, status);
    await detail;
  } catch (err) {
    if (!current()) return;
    if (err instanceof ApiError && err.code === 'invalid_request') showFilterError(err.message);
    else fill(el, h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
  } finally {
    if (current()) document.body.setAttribute('data-loading', 'false');
  }
}

async function start() {
  try {
    status = await get('/api/status');
  } catch (err) {
    fill(byId('banner'), h('strong', {}, 'The explorer cannot be reached: '), err instanceof Error ? err.message : String(err));
    byId('banner').className = 'banner broken';
    return;
  }
  const files = status.files.length === 1 ? status.files[0] : `${status.files.length} files`;
  fill(byId('files'), `${status.decisions.toLocaleString('en')} decisions in ${files}`);
  const replayTab = byId('tabs').querySelector('a[data-view="replay"]');
  if (replayTab instanceof HTMLElement) replayTab.hidden = !status.replay;
  renderBanner(status);
  setUpFilters(status);
  window.addEventListener('hashchange', () => void render());
  new ResizeObserver(() => resizeCharts()).observe(byId('view-overview'));
  await render();
}

void start();
