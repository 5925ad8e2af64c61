import { formatPointer, maskPointerProblem, parsePointer } from './json-pointer.ts';
import { serialMemoOf } from '../lib/memo-slot.ts';

/** The configured masking (config keys `decisionLog.erase`, `decisionLog.mask`, `decisionLog.eraseTokens`). */
export interface MaskRules {
  /** JSON pointers removed from every event. */
  readonly erase: readonly string[];
  /** JSON pointers whose value, when present, is replaced by MASKED_VALUE. */
  readonly mask: readonly string[];
  /** Also remove anything that looks like a credential, wherever it is (see looksLikeCredential). */
  readonly eraseTokens: boolean;
}

/**
 * OPA's mask policy: `data.system.log.mask` evaluated with the event as `input`. Its result is a
 * set of pointers to erase (`"/input/password"`) or of operations
 * (`{"op": "upsert", "path": "/input/ssn", "value": "***"}`, `{"op": "remove", "path": …}`).
 */
export type MaskPolicy = (event: unknown) => unknown;

export const MASKED_VALUE = '**masked**';

/** Keys whose value is a credential in every API we know of; compared case-insensitively. */
const CREDENTIAL_KEYS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'x-api-key',
  'access_token', 'id_token', 'refresh_token', 'client_secret',
]);
const JOSE_COMPACT = /^eyJ[\w-]*\.[\w-]*\.[\w-]*(\.[\w-]*\.[\w-]*)?$/;
const AUTH_SCHEME = /^(bearer|basic|dpop|digest|negotiate)\s+\S/i;
/** Deeper inputs are not walked (and not logged): JSON.stringify and recursion both fail far below what a body can nest. */
const MAX_DEPTH = 1000;

/** A JWS/JWE in compact form (a JWT), or an HTTP credential (`Bearer …`, `Basic …`). */
export function looksLikeCredential(value: string): boolean {
  if (value.startsWith('eyJ')) return JOSE_COMPACT.test(value);
  // Checked for every string of the input (5,000 roles for some subjects): the regex only runs when the first letter could start a scheme.
  const first = value.charCodeAt(0) | 0x20;
  return (first === 0x62 || first === 0x64 || first === 0x6e) && AUTH_SCHEME.test(value);
}

export interface MaskResult {
  readonly event: Record<string, unknown>;
  readonly erased: string[];
  readonly masked: string[];
  /** Set when masking could not run as configured and fell back to erasing `/input`. */
  readonly error?: string;
}

type Op = {
  readonly kind: 'remove' | 'upsert';
  readonly pointer: string;
  readonly parts: readonly string[];
  readonly value?: unknown;
  readonly onlyIfPresent: boolean;
};

/** MaskRules with every pointer parsed: built once per configuration (decision-log-settings.ts), used for every event. */
export interface CompiledMasks {
  readonly ops: readonly Op[];
  readonly eraseTokens: boolean;
}

/** Parses the configured pointers once; they were checked when the configuration loaded (maskPointerProblem). */
export function compileMasks(rules: MaskRules): CompiledMasks {
  const op = (kind: Op['kind'], pointer: string): Op => {
    const parts = parsePointer(pointer);
    if (!parts) throw new TypeError(`not a JSON pointer: '${pointer}'`);
    return kind === 'remove' ? { kind, pointer, parts, onlyIfPresent: true } : { kind, pointer, parts, value: MASKED_VALUE, onlyIfPresent: true };
  };
  return Object.freeze({
    ops: Object.freeze([...rules.erase.map((p) => op('remove', p)), ...rules.mask.map((p) => op('upsert', p))]),
    eraseTokens: rules.eraseTokens,
  });
}

class TooDeep extends Error {}

/**
 * Applies the configured rules and the bundle's mask policy to an event, copy-on-write: the
 * containers on a changed path are copied, so the input object the policy saw (shared with the
 * claims cache) is never modified. Fails closed: if the mask policy throws or returns garbage, or
 * the input is too deep to walk, `/input` is erased as a whole and the reason is recorded.
 */
export function maskEvent(event: Readonly<Record<string, unknown>>, rules: CompiledMasks, policy?: MaskPolicy): MaskResult {
  const ops: Op[] = [...rules.ops];
  let error: string | undefined;
  if (policy) {
    try {
      ops.push(...policyOps(policy(event)));
    } catch (err) {
      error = `mask policy failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const cow = new CopyOnWrite(event);
  const erased: string[] = [];
  const masked: string[] = [];
  if (error === undefined) {
    try {
      for (const op of ops) {
        if (op.kind === 'remove' ? cow.remove(op.parts) : cow.upsert(op.parts, op.value, op.onlyIfPresent)) {
          (op.kind === 'remove' ? erased : masked).push(op.pointer);
        }
      }
      if (rules.eraseTokens) {
        for (const root of ['input', 'result']) {
          if (root in cow.root) cow.root[root] = scrub(cow.root[root], [root], erased, masked, 0);
        }
      }
    } catch (err) {
      if (!(err instanceof TooDeep)) throw err;
      error = `input is nested deeper than ${MAX_DEPTH} levels`;
    }
  }
  if (error !== undefined) {
    const root: Record<string, unknown> = { ...event };
    const had = 'input' in root;
    delete root['input'];
    return { event: root, erased: had ? ['/input'] : [], masked: [], error };
  }
  return { event: cow.root, erased, masked };
}

/** OPA's mask result: a set (array) of pointers or `{op, path, value}` objects. Anything else throws. */
function policyOps(result: unknown): Op[] {
  if (result === undefined) return [];
  if (!Array.isArray(result)) throw new Error('data.system.log.mask must be a set of JSON pointers or {op, path, value} objects');
  return result.map((entry): Op => {
    if (typeof entry === 'string') return checked('remove', entry, undefined, true);
    const e = entry as { op?: unknown; path?: unknown; value?: unknown };
    if (e !== null && typeof e === 'object' && typeof e.path === 'string' && (e.op === 'remove' || e.op === 'upsert')) {
      return e.op === 'remove' ? checked('remove', e.path, undefined, true) : checked('upsert', e.path, e.value, false);
    }
    throw new Error(`data.system.log.mask returned an entry that is neither a pointer nor {op, path, value}: ${JSON.stringify(entry)?.slice(0, 100)}`);
  });
}

function checked(kind: Op['kind'], pointer: string, value: unknown, onlyIfPresent: boolean): Op {
  const problem = maskPointerProblem(pointer);
  if (problem) throw new Error(`data.system.log.mask: ${problem}`);
  return { kind, pointer, parts: parsePointer(pointer)!, value, onlyIfPresent };
}

/**
 * Removes credential-named members and credential-shaped strings; array elements are masked so indexes stay.
 * A cached subject is the same frozen object on every decision (src/claims/enrich-claims.ts,
 * src/decision/relevant-roles.ts), so once a scrub found nothing in it, its memo says so and it is not walked
 * again. What a scrub finds does not depend on where the object is, only on its contents, and the sidecar
 * freezes only what it never changes again, members included (src/lib/memo-slot.ts).
 */
function scrub(node: unknown, path: (string | number)[], erased: string[], masked: string[], depth: number): unknown {
  if (node === null || typeof node !== 'object') return node;
  const memo = serialMemoOf(node);
  if (memo?.clean) return node;
  const found = erased.length + masked.length;
  const out = scrubWalk(node, path, erased, masked, depth);
  if (memo !== undefined && out === node && erased.length + masked.length === found) memo.clean = true;
  return out;
}

function scrubWalk(node: object, path: (string | number)[], erased: string[], masked: string[], depth: number): unknown {
  if (depth > MAX_DEPTH) throw new TooDeep();
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      let next = v;
      if (typeof v === 'string') {
        if (looksLikeCredential(v)) {
          next = MASKED_VALUE;
          masked.push(formatPointer([...path, i]));
        }
      } else if (v !== null && typeof v === 'object') {
        next = scrub(v, [...path, i], erased, masked, depth + 1);
      }
      if (next !== v) (copy ??= node.slice())[i] = next;
    }
    return copy ?? node;
  }
  const obj = node as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (CREDENTIAL_KEYS.has(key.toLowerCase()) || (typeof v === 'string' && looksLikeCredential(v))) {
      out ??= { ...obj };
      delete out[key];
      erased.push(formatPointer([...path, key]));
    } else if (v !== null && typeof v === 'object') {
      const next = scrub(v, [...path, key], erased, masked, depth + 1);
      if (next !== v) (out ??= { ...obj })[key] = next;
    }
  }
  return out ?? obj;
}

/** Edits a copy of the event, copying only the containers on an edited path. */
class CopyOnWrite {
  readonly root: Record<string, unknown>;
  private readonly copies = new Set<object>();

  constructor(event: Readonly<Record<string, unknown>>) {
    this.root = { ...event };
    this.copies.add(this.root);
  }

  remove(parts: readonly string[]): boolean {
    const parent = this.parentOf(parts);
    if (!parent) return false;
    const key = parts[parts.length - 1]!;
    if (Array.isArray(parent)) {
      const i = index(key, parent.length);
      if (i === undefined) return false;
      parent.splice(i, 1);
      return true;
    }
    if (!Object.hasOwn(parent, key)) return false;
    delete parent[key];
    return true;
  }

  upsert(parts: readonly string[], value: unknown, onlyIfPresent: boolean): boolean {
    const parent = this.parentOf(parts);
    if (!parent) return false;
    const key = parts[parts.length - 1]!;
    if (Array.isArray(parent)) {
      const i = index(key, parent.length);
      if (i === undefined) return false;
      parent[i] = value;
      return true;
    }
    if (onlyIfPresent && !Object.hasOwn(parent, key)) return false;
    parent[key] = value;
    return true;
  }

  /** The (copied) container holding the pointer's last part, or undefined when the path is absent. */
  private parentOf(parts: readonly string[]): Record<string, unknown> | unknown[] | undefined {
    let node: Record<string, unknown> | unknown[] = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      let child: unknown;
      if (Array.isArray(node)) {
        const at = index(key, node.length);
        if (at === undefined) return undefined;
        child = node[at];
        if (child === null || typeof child !== 'object') return undefined;
        if (!this.copies.has(child)) node[at] = child = this.copy(child);
      } else {
        if (!Object.hasOwn(node, key)) return undefined;
        child = node[key];
        if (child === null || typeof child !== 'object') return undefined;
        if (!this.copies.has(child)) node[key] = child = this.copy(child);
      }
      node = child as Record<string, unknown> | unknown[];
    }
    return node;
  }

  private copy(node: object): object {
    const c = Array.isArray(node) ? node.slice() : { ...node };
    this.copies.add(c);
    return c;
  }
}

function index(key: string, length: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
  const i = Number(key);
  return i < length ? i : undefined;
}
