import { SidecarError } from '../errors/sidecar-error.ts';

/** Deepest nesting of objects and arrays accepted in a token header or claims set. */
export const MAX_JSON_DEPTH = 16;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks one decoded JOSE segment (the protected header or the claims set) before jose parses
 * it: strict UTF-8 (no BOM, no replacement of bad bytes), a top-level JSON object, no duplicate
 * member names at any level (compared after unescaping, so `"s\u0075b"` duplicates `"sub"`), no
 * `__proto__` member, and at most MAX_JSON_DEPTH levels of nesting.
 * Why: JSON.parse keeps the last duplicate silently (`"sub":"alice","sub":"admin"` verifies as
 * admin) while another parser may keep the first; and deep nesting later makes JSON.stringify
 * throw inside the policy engine. Syntax errors are left to jose: this scanner only needs to
 * refuse what JSON.parse would accept ambiguously.
 */
export function checkJoseJson(segment: string, what: 'header' | 'claims'): void {
  let text: string;
  try {
    text = fatalUtf8.decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw new SidecarError('invalid_token', `token ${what} is not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) throw new SidecarError('invalid_token', `token ${what} starts with a byte order mark`);
  const problem = scan(text);
  if (problem) throw new SidecarError('invalid_token', `token ${what} ${problem}`);
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Returns what is wrong, or undefined. Walks the text once; keeps one Set of names per open object. */
function scan(text: string): string | undefined {
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  skipWs();
  if (text[i] !== '{') return 'is not a JSON object';
  const names: (Set<string> | null)[] = [];
  let expectName = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return undefined;
      if (expectName) {
        let name: string;
        try {
          name = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return undefined;
        }
        const set = names.at(-1)!;
        if (name === '__proto__') return 'has a "__proto__" member';
        if (set.has(name)) return `has a duplicate member "${name.slice(0, 40)}"`;
        set.add(name);
        expectName = false;
      }
    } else if (c === '{' || c === '[') {
      names.push(c === '{' ? new Set() : null);
      if (names.length > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
      expectName = c === '{';
    } else if (c === '}' || c === ']') {
      names.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = names.at(-1) instanceof Set;
    }
  }
  return undefined;
}
