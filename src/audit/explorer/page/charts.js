// The two charts, drawn by uPlot (served from node_modules/uplot by the server): decisions per
// time bucket, and the share of the policy's denies per bundle revision. Dragging across either
// selects a time range, which the page turns into the since/until filter; the server then
// re-buckets that range finer.

import uPlot from './vendor/uPlot.esm.js';

export const COLORS = { allow: '#2e8540', deny: '#d9822b', error: '#c23030' };
const REVISION_COLORS = ['#1f6feb', '#8250df', '#bf3989', '#0a7d8c', '#9a6700', '#57606a', '#999999'];

/** @type {Map<HTMLElement, uPlot>} */
const charts = new Map();

/**
 * @typedef {{ start: number, width: number, allow: number[], deny: number[], error: number[],
 *   revisions: { revision: string, decisions: number[], denied: number[] }[] }} Timeline
 */

/** @param {Timeline} tl */
function xs(tl) {
  return tl.allow.map((_, i) => (tl.start + i * tl.width) / 1000);
}

/**
 * The buckets' whole span, in seconds (uPlot's time unit): also for a single bucket, which uPlot
 * would otherwise widen to years.
 * @param {Timeline} tl
 * @returns {uPlot.Scale}
 */
function timeScale(tl) {
  const min = tl.start / 1000;
  const max = (tl.start + tl.allow.length * tl.width) / 1000;
  return { time: true, range: () => [min, max] };
}

/**
 * @param {HTMLElement} el
 * @param {Omit<uPlot.Options, 'width' | 'height'>} opts
 * @param {uPlot.AlignedData} data
 * @param {(from: Date, to: Date) => void} onRange
 */
function draw(el, opts, data, onRange) {
  charts.get(el)?.destroy();
  el.replaceChildren();
  const u = new uPlot(
    {
      ...opts,
      width: Math.max(320, el.clientWidth),
      height: 220,
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        setSelect: [
          (self) => {
            if (self.select.width < 2) return;
            const from = self.posToVal(self.select.left, 'x');
            const to = self.posToVal(self.select.left + self.select.width, 'x');
            self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onRange(new Date(from * 1000), new Date(to * 1000));
          },
        ],
      },
    },
    data,
    el,
  );
  charts.set(el, u);
}

/**
 * Allows, the policy's denies and errors per bucket.
 * @param {HTMLElement} el
 * @param {Timeline} tl
 * @param {(from: Date, to: Date) => void} onRange
 */
export function drawTimeline(el, tl, onRange) {
  const bars = uPlot.paths.bars?.({ size: [0.9, 40], align: 0 });
  /** @param {string} label @param {string} color @returns {uPlot.Series} */
  const series = (label, color) => ({ label, stroke: color, fill: `${color}99`, width: 1, ...(bars ? { paths: bars } : {}), points: { show: false } });
  draw(
    el,
    {
      series: [{}, series('allow', COLORS.allow), series('deny (policy)', COLORS.deny), series('error', COLORS.error)],
      axes: [{}, { label: 'decisions per bucket', size: 60 }],
      scales: { x: timeScale(tl) },
    },
    [xs(tl), tl.allow, tl.deny, tl.error],
    onRange,
  );
}

/**
 * The policy's denies as a percentage of each revision's decisions, per bucket (a gap where the
 * revision made no decision): a revision that starts denying more stands out as a step.
 * @param {HTMLElement} el
 * @param {Timeline} tl
 * @param {(from: Date, to: Date) => void} onRange
 */
export function drawRevisions(el, tl, onRange) {
  const data = /** @type {uPlot.AlignedData} */ ([
    xs(tl),
    ...tl.revisions.map((r) => r.decisions.map((d, i) => (d === 0 ? null : (100 * (r.denied[i] ?? 0)) / d))),
  ]);
  draw(
    el,
    {
      series: [
        {},
        ...tl.revisions.map((r, k) => ({
          label: r.revision,
          stroke: REVISION_COLORS[k % REVISION_COLORS.length],
          width: 2,
          spanGaps: false,
          points: { show: false },
          /** @param {uPlot} _u @param {number | null} v */
          value: (_u, v) => (v === null ? '-' : `${v.toFixed(1)}%`),
        })),
      ],
      axes: [{}, { label: 'policy denies, %', size: 60, values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
      scales: { x: timeScale(tl), y: { range: (_u, _min, max) => [0, Math.min(100, Math.max(10, Math.ceil((max * 1.2) / 10) * 10))] } },
    },
    data,
    onRange,
  );
}

/** Keeps the charts as wide as their boxes. */
export function resizeCharts() {
  for (const [el, u] of charts) {
    if (el.isConnected) u.setSize({ width: Math.max(320, el.clientWidth), height: 220 });
    else {
      u.destroy();
      charts.delete(el);
    }
  }
}
