import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the page loads: its bytes and Content-Type. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/**
 * Everything the page loads, by URL path, read once from the package itself: the page's own
 * files (src/audit/explorer/page/) and uPlot from node_modules (its ES module build and
 * stylesheet). Nothing comes from another host, so the page works offline and behind a firewall,
 * and the Content-Security-Policy can allow 'self' only.
 */
export function loadPageAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(PAGE_DIR, { recursive: true, withFileTypes: true })) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || !type || entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const rel = file.slice(PAGE_DIR.length).split('\\').join('/');
    assets.set(rel === 'index.html' ? '/' : `/assets/${rel}`, { body: readFileSync(file), type });
  }
  const require = createRequire(import.meta.url);
  assets.set('/assets/vendor/uPlot.esm.js', { body: readFileSync(require.resolve('uplot/dist/uPlot.esm.js')), type: TYPES['.js']! });
  assets.set('/assets/vendor/uPlot.min.css', { body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')), type: TYPES['.css']! });
  return assets;
}
