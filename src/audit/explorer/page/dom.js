// Building the page from data: every value from the log becomes a text node or an attribute set
// with setAttribute, never HTML. (The server's Content-Security-Policy also enforces Trusted
// Types, so an innerHTML assignment would throw rather than parse.)

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * An element with attributes and children. Strings and numbers become text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (typeof v === 'function') {
      if (!k.startsWith('on')) throw new TypeError(`${k}: only on* attributes take a function`);
      el.addEventListener(k.slice(2), v);
    } else if (k.startsWith('on')) {
      throw new TypeError(`${k}: event handlers are functions, never strings`);
    } else if (k === 'class') {
      el.className = String(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, ...children);
  return el;
}

/**
 * @param {Element} el
 * @param {...Child} children
 */
export function append(el, ...children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? num(c) : c);
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...Child} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, ...children);
}

/** @param {number} n */
export function num(n) {
  return n.toLocaleString('en');
}

/**
 * @param {number} n
 * @param {number} of
 */
export function pct(n, of) {
  return of === 0 ? '' : `${((100 * n) / of).toFixed(1)}%`;
}

/** @param {string} id */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

/**
 * A result badge: allow, deny or error (with its code).
 * @param {string} outcome
 * @param {string | null} [code]
 */
export function badge(outcome, code) {
  return h('span', { class: `badge ${outcome}` }, outcome === 'error' && code ? `error: ${code}` : outcome);
}

/**
 * A table with a header row.
 * @param {readonly string[]} head
 * @param {readonly HTMLTableRowElement[]} rows
 * @param {string} [cls]
 */
export function table(head, rows, cls) {
  return h('table', { class: cls ?? null }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows));
}

/**
 * @param {...Child} cells
 */
export function tr(...cells) {
  return h('tr', {}, ...cells.map((c) => (c instanceof HTMLTableCellElement ? c : h('td', {}, c))));
}
