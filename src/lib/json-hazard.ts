const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Finds what makes a JSON text ambiguous or dangerous even though JSON.parse accepts it:
 * a duplicate member name at any level (compared after unescaping, so `"s\u0075b"` duplicates
 * `"sub"`), a `__proto__` member, or nesting deeper than `maxDepth`. Returns a phrase for an
 * error message, or undefined. Walks the text once and keeps one Set of names per open object.
 * Why: JSON.parse keeps the last duplicate silently while other parsers keep the first, and deep
 * nesting later makes JSON.stringify throw (opa-wasm stringifies its input). Syntax errors are
 * left to JSON.parse: this scanner only has to find what JSON.parse would accept.
 */
export function findJsonHazard(text: string, maxDepth: number): string | undefined {
  const names: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length || !expectName) continue;
      let name: string;
      try {
        name = JSON.parse(text.slice(start, i + 1)) as string;
      } catch {
        return undefined;
      }
      const set = names.at(-1);
      if (!set) continue;
      if (name === '__proto__') return 'has a "__proto__" member';
      if (set.has(name)) return `has a duplicate member "${name.slice(0, 40)}"`;
      set.add(name);
      expectName = false;
    } else if (c === '{' || c === '[') {
      names.push(c === '{' ? new Set() : null);
      if (names.length > maxDepth) return `nests deeper than ${maxDepth} levels`;
      expectName = c === '{';
    } else if (c === '}' || c === ']') {
      names.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = names.at(-1) instanceof Set;
    } else if (!WS.has(c.charCodeAt(0))) {
      // A name is only ever the first token after `{` or `,` inside an object.
      if (c !== ':') expectName = false;
    }
  }
  return undefined;
}
