import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';

/**
 * The chaos run's oracle: the answer each request should get, computed from what the harness minted
 * (the subject, the kind of token), the policy's own data (rego/authz/data.json, read here, not asked of
 * the sidecar) and the fault in force. It re-implements the sample policy's grant matching
 * (rego/authz/policy.rego: methods or "*", "/prefix/**" matching the prefix and whole segments below it)
 * so that the sidecar is checked against an independent reading, not against itself.
 */

export type TokenKind = 'valid' | 'expired' | 'forged' | 'malformed' | 'none';

export interface Subject {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
}

export interface PolicyData {
  readonly role_grants: Record<string, readonly { readonly methods: readonly string[]; readonly path: string }[]>;
  readonly group_roles: Record<string, readonly string[]>;
}

export function readPolicyData(dir = join(ROOT, 'rego/authz')): PolicyData {
  return JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as PolicyData;
}

/** Whether the sample policy allows `method path` for a subject with these roles and groups. */
export function policyAllows(data: PolicyData, subject: Subject, method: string, path: string): boolean {
  const roles = new Set(subject.roles);
  for (const g of subject.groups) {
    const name = g.startsWith('/') ? g.slice(1) : g;
    for (const r of data.group_roles[name] ?? data.group_roles[`/${name}`] ?? []) roles.add(r);
  }
  for (const role of roles) {
    for (const grant of data.role_grants[role] ?? []) {
      if (!grant.methods.includes('*') && !grant.methods.includes(method)) continue;
      if (grant.path.endsWith('/**')) {
        const prefix = grant.path.slice(0, -3);
        if (path === prefix || path.startsWith(`${prefix}/`)) return true;
      } else if (grant.path === path) return true;
    }
  }
  return false;
}

/** What came back: a decision, a refusal with its code, or no answer at all (connection refused or reset). */
export type Outcome =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny' }
  | { readonly kind: 'refusal'; readonly status: number; readonly code: string }
  | { readonly kind: 'no_answer'; readonly error: string };

export interface Expectation {
  readonly token: TokenKind;
  /** The policy's answer for a valid token (false for every other kind). */
  readonly policyAllow: boolean;
  /** Codes the faults in force (or just ended) may explain, for example `503 claims_unavailable`. */
  readonly tolerated: ReadonlySet<string>;
}

export type Verdict =
  | 'ok'
  /** A 200 allow the oracle did not expect: the number that must be 0. */
  | 'wrong_allow'
  /** A bad token reached the policy (200 deny instead of a 401): not a hole, but wrong. */
  | 'bad_token_decided'
  /** A deny or refusal the fault in force documents (fail closed). */
  | 'tolerated_deny'
  /** A deny or refusal nothing explains. */
  | 'unexpected_deny';

const TOKEN_REFUSALS = new Set(['401 invalid_token', '401 missing_token', '401 token_too_large']);

/** Judges one answer. `cause` names the outcome for the report (`401 invalid_token`, `no answer`, `deny`). */
export function judge(expect: Expectation, outcome: Outcome): { verdict: Verdict; cause: string } {
  const cause = outcome.kind === 'refusal' ? `${outcome.status} ${outcome.code}` : outcome.kind === 'no_answer' ? 'no answer' : outcome.kind;
  if (outcome.kind === 'allow') return { verdict: expect.token === 'valid' && expect.policyAllow ? 'ok' : 'wrong_allow', cause };
  if (expect.token !== 'valid') {
    if (outcome.kind === 'deny') return { verdict: 'bad_token_decided', cause };
    if (TOKEN_REFUSALS.has(cause)) return { verdict: 'ok', cause };
    return { verdict: expect.tolerated.has(cause) ? 'tolerated_deny' : 'unexpected_deny', cause };
  }
  if (outcome.kind === 'deny' && !expect.policyAllow) return { verdict: 'ok', cause };
  return { verdict: expect.tolerated.has(cause) ? 'tolerated_deny' : 'unexpected_deny', cause };
}
