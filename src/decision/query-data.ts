import { randomUUID } from 'node:crypto';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import { interpret, type PolicyEngine } from '../policy/policy-engine.ts';
import { subjectOf, type AuthorizerDeps } from './authorize.ts';
import { startDecision } from './record-decision.ts';

export interface DataQuery {
  /** The Authorization header; when present it must carry a valid bearer token. */
  readonly authorization: string | undefined;
  /** Slash-separated path below `data`, for example `authz/decision` or `authz/decision/allow`. */
  readonly path: readonly string[];
  /** The caller's input document; undefined when none was sent. */
  readonly input: unknown;
  readonly traceId?: string | undefined;
}

export interface DataAnswer {
  readonly decisionId: string;
  /** undefined when the document is undefined for this input. */
  readonly result: unknown;
  readonly revision: string;
  /** The input document the policy saw (with the verified subject, when a token was sent). */
  readonly input: unknown;
}

export type DataQueryRunner = (q: DataQuery) => Promise<DataAnswer>;

/**
 * OPA's Data API on the sidecar's engine. The path is answered by the longest entrypoint that
 * prefixes it, then walked into the result (`authz/decision/allow` evaluates `authz/decision`
 * and takes `allow`); a path no entrypoint covers is `not_found`, because a Wasm bundle can only
 * evaluate what it was built with (`opa build -e`).
 *
 * With a bearer token the subject is verified and enriched exactly as for /authorize and set as
 * `input.subject`, replacing anything the caller put there: a caller cannot assert a subject
 * and a token at once. Without a token the input is evaluated as sent (as OPA does).
 * Every evaluation is logged as a decision, with `path: "data/<path>"`.
 */
export function createDataQuery(deps: AuthorizerDeps): DataQueryRunner {
  return async (q) => {
    const decisionId = randomUUID();
    const path = q.path.join('/');
    const record = startDecision(deps, { decisionId, path: `data/${path}`, request: null, traceId: q.traceId });
    try {
      const engine = deps.engine();
      if (!engine) throw new SidecarError('not_ready', 'no policy bundle is active yet');
      record.engine(engine);
      const [entrypoint, rest] = resolveEntrypoint(engine, q.path);
      let input = q.input;
      if (q.authorization !== undefined) {
        if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
          throw new SidecarError('invalid_request', 'with a bearer token, "input" must be an object (the verified subject is added as input.subject)');
        }
        const subject = await subjectOf(deps, record, q.authorization, engine);
        input = { ...(input as Record<string, unknown> | undefined), subject };
      }
      record.input(input);
      let result = engine.evaluate(input, entrypoint);
      record.evaluated();
      for (const key of rest) result = child(result, key);
      const decision = interpret(result);
      record.finish(decision.reasons ? { allow: decision.allow, reasons: decision.reasons } : { allow: decision.allow });
      return { decisionId, result, revision: engine.revision, input };
    } catch (err) {
      const e = toSidecarError(err);
      record.finish({ allow: false }, e);
      e.decisionId = decisionId;
      throw e;
    }
  };
}

function resolveEntrypoint(engine: PolicyEngine, path: readonly string[]): [string, readonly string[]] {
  for (let n = path.length; n > 0; n--) {
    const candidate = path.slice(0, n).join('/');
    if (engine.entrypoints.includes(candidate)) return [candidate, path.slice(n)];
  }
  throw new SidecarError(
    'not_found',
    `no entrypoint covers data/${path.join('/')}; this bundle can evaluate: ${engine.entrypoints.map((e) => `data/${e}`).join(', ')} (build more with opa build -e)`,
  );
}

/** One step into a document, as OPA's ref evaluation does: object key or array index. */
function child(doc: unknown, key: string): unknown {
  if (Array.isArray(doc)) return /^(0|[1-9]\d*)$/.test(key) ? doc[Number(key)] : undefined;
  if (doc !== null && typeof doc === 'object' && Object.hasOwn(doc, key)) return (doc as Record<string, unknown>)[key];
  return undefined;
}
