/**
 * Whether two regex-like globs (`.` any character, `[a-z]` sets, `+` and `*` on the previous token,
 * `\` escapes) can match a common string: the algorithm of github.com/yashtewari/glob-intersection
 * v0.2.0 (MIT), which OPA's regex.globs_match calls, followed step by step so the answers agree.
 */
type Flag = '' | '+' | '*';
type Token = { kind: 'char'; r: string; flag: Flag } | { kind: 'dot'; flag: Flag } | { kind: 'set'; runes: Set<string>; flag: Flag };

export function globsIntersect(lhs: string, rhs: string): boolean {
  const trimmed = trim(simplify(tokenize(Array.from(lhs))), simplify(tokenize(Array.from(rhs))));
  return trimmed !== undefined && intersectNormal(trimmed[0], trimmed[1]);
}

function invalid(input: string[], index: number, message: string): never {
  throw new Error(`input:${input.join('')}, pos:${index}, ${message}: the input provided is invalid`);
}

function nextRune(i: number, input: string[]): [number, string, boolean] | undefined {
  if (i >= input.length) return undefined;
  if (input[i] === '\\') {
    if (i === input.length - 1) invalid(input, i, 'input ends with a \\ (escape) character');
    return [i + 2, input[i + 1]!, true];
  }
  return [i + 1, input[i]!, false];
}

function tokenize(input: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    const next = nextRune(i, input);
    if (!next) return tokens;
    let [j, r, escaped] = next;
    let token: Token;
    if (!escaped && r === '.') token = { kind: 'dot', flag: '' };
    else if (!escaped && r === ']') invalid(input, j, "set-close ']' with no preceding '['");
    else if (!escaped && r === '[') [j, token] = tokenizeSet(j, input);
    else if (!escaped && (r === '+' || r === '*')) invalid(input, j, `flag '${r}' must be preceded by a non-flag`);
    else token = { kind: 'char', r, flag: '' };
    const flag = nextRune(j, input);
    if (flag && !flag[2] && (flag[1] === '+' || flag[1] === '*')) {
      token!.flag = flag[1];
      j = flag[0];
    }
    tokens.push(token!);
    i = j;
  }
}

function tokenizeSet(start: number, input: string[]): [number, Token] {
  const runes = new Set<string>();
  let prev: string | undefined;
  let i = start;
  for (;;) {
    const next = nextRune(i, input);
    if (!next) invalid(input, i, 'found [ without matching ]');
    let [j, r, escaped] = next;
    if (!escaped && r === '-') {
      if (prev === undefined) invalid(input, j, "range character '-' must be preceded by a Unicode character");
      if (j >= input.length - 1) invalid(input, j, "range character '-' must be followed by a Unicode character");
      [j, r, escaped] = nextRune(j, input)!;
      if (!escaped && (r === ']' || r === '-')) invalid(input, j, "range character '-' cannot be followed by a special symbol");
      const lo = prev.codePointAt(0)!;
      const hi = r.codePointAt(0)!;
      if (hi < lo) invalid(input, j, `range is out of order: '${r}' comes before '${prev}' in Unicode`);
      for (let x = lo; x <= hi; x++) runes.add(String.fromCodePoint(x));
      prev = undefined;
    } else if (!escaped && r === ']') {
      return [j, { kind: 'set', runes, flag: '' }];
    } else {
      runes.add(r);
      prev = r;
    }
    i = j;
  }
}

function equal(a: Token, b: Token): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'char') return a.r === (b as typeof a).r;
  if (a.kind === 'dot') return true;
  const o = (b as typeof a).runes;
  return a.runes.size === o.size && [...a.runes].every((r) => o.has(r));
}

function simplify(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    const latest = out[out.length - 1];
    if (latest && t.flag !== '' && latest.flag !== '' && equal(t, latest)) {
      latest.flag = t.flag === '+' || latest.flag === '+' ? '+' : '*';
    } else {
      out.push(t);
    }
  }
  return out;
}

const ORDER = { char: 0, dot: 1, set: 2 } as const;

function match(a: Token, b: Token): boolean {
  const [t1, t2] = ORDER[a.kind] > ORDER[b.kind] ? [b, a] : [a, b];
  if (t1.kind === 'char') {
    if (t2.kind === 'char') return t1.r === t2.r;
    if (t2.kind === 'dot') return true;
    return t2.runes.has(t1.r);
  }
  if (t1.kind === 'dot') return true;
  const other = (t2 as typeof t1).runes;
  return [...t1.runes].some((r) => other.has(r));
}

function trim(g1: Token[], g2: Token[]): [Token[], Token[]] | undefined {
  let l = 0;
  for (; l < g1.length && l < g2.length && g1[l]!.flag === '' && g2[l]!.flag === ''; l++) {
    if (!match(g1[l]!, g2[l]!)) return undefined;
  }
  if (l > 0) l--;
  let r1 = g1.length - 1;
  let r2 = g2.length - 1;
  for (; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1[r1]!.flag === '' && g2[r2]!.flag === ''; r1--, r2--) {
    if (!match(g1[r1]!, g2[r2]!)) return undefined;
  }
  if (r1 < g1.length - 1) {
    r1++;
    r2++;
  }
  return [g1.slice(l, r1 + 1), g2.slice(l, r2 + 1)];
}

function intersectNormal(g1: Token[], g2: Token[]): boolean {
  let i = 0;
  let j = 0;
  for (; i < g1.length && j < g2.length; i++, j++) {
    if (g1[i]!.flag === '' && g2[j]!.flag === '') {
      if (!match(g1[i]!, g2[j]!)) return false;
    } else {
      return intersectSpecial(g1.slice(i), g2.slice(j));
    }
  }
  return i === g1.length && j === g2.length;
}

function intersectSpecial(g1: Token[], g2: Token[]): boolean {
  if (g1[0]!.flag !== '') return g1[0]!.flag === '+' ? intersectPlus(g1, g2) : intersectStar(g1, g2);
  return g2[0]!.flag === '+' ? intersectPlus(g2, g1) : intersectStar(g2, g1);
}

function intersectPlus(plussed: Token[], other: Token[]): boolean {
  if (!match(plussed[0]!, other[0]!)) return false;
  if (intersectStar(plussed, other.slice(1))) return true;
  return other[0]!.flag !== '' && intersectNormal(plussed.slice(1), other);
}

function intersectStar(starred: Token[], other: Token[]): boolean {
  const star = starred[0]!;
  const next = starred[1];
  for (let i = 0; i < other.length; i++) {
    const t = other[i]!;
    if (next !== undefined && match(t, next)) {
      if (intersectNormal(starred.slice(1), other.slice(i))) return true;
      if (!match(t, star)) return false;
    } else if (!match(t, star)) {
      return false;
    }
  }
  return next === undefined;
}
