/**
 * One copy of each string value many cached entries share (an issuer, an audience, a client id, a scope, a
 * key id, a role name): every parsed token and userinfo answer otherwise brings its own copy of each, 30–40
 * bytes apiece per subject (scripts/measure-subject-memory.ts). Bounded: past `maxStrings` distinct strings,
 * new ones are used as they come, and strings longer than `maxLength` are never kept (a rarely shared value
 * would only cost a second copy). Call it where a value is stored, not per request.
 */
export type StringInterner = (value: string) => string;

export function createStringInterner(maxStrings = 10_000, maxLength = 256): StringInterner {
  const strings = new Map<string, string>();
  return (value) => {
    if (value.length > maxLength) return value;
    const known = strings.get(value);
    if (known !== undefined) return known;
    if (strings.size < maxStrings) strings.set(value, value);
    return value;
  };
}
