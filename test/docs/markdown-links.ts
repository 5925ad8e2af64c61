/**
 * Reads the links and heading anchors of a Markdown file, the way GitHub renders them, so that a test can
 * check that every relative link in the docs resolves (test/docs/links.test.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export type MarkdownLink = { readonly line: number; readonly target: string };

/**
 * Lines outside fenced code blocks: `raw`, and `text` with inline code spans blanked (a link inside code is not
 * a link; a heading keeps its code text).
 */
function proseLines(text: string): Array<{ line: number; raw: string; text: string }> {
  const out: Array<{ line: number; raw: string; text: string }> = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (opener) {
      const mark = opener[1]!;
      if (fence === undefined) fence = mark[0]!.repeat(mark.length);
      else if (mark.startsWith(fence)) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, raw, text: raw.replace(/(`+)[^`]*?\1/g, '') });
  });
  return out;
}

/** Inline links `[text](target)` and reference definitions `[label]: target`, outside code. */
export function linksOf(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line, target: m[1]! });
    const ref = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(prose);
    if (ref) links.push({ line, target: ref[1]! });
  }
  return links;
}

/** GitHub's heading slug: lower case, punctuation removed, spaces to hyphens (github-slugger's rule). */
export function slugOf(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link keeps its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, '');
  return plain.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a link may name in this file: heading slugs (with GitHub's -1, -2 for repeats) and HTML ids. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { raw: line } of proseLines(text)) {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slugOf(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

const SKIP = new Set(['node_modules', '.git', '.tools', '.cache', '.demo', 'dist']);

/** Every Markdown file under `root`, outside installed or generated folders, relative to `root`. */
export function markdownFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...markdownFiles(root, path));
    else if (name.endsWith('.md')) files.push(relative(root, path));
  }
  return files.sort();
}
