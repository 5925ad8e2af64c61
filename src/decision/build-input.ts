import type { Subject } from '../claims/enrich-claims.ts';
import type { NormalizedRequest } from '../request/normalize-request.ts';

/** The document the policy evaluates as `input`. See docs/http-api.md, "The input document". */
export interface PolicyInput {
  readonly subject: Subject;
  readonly request: NormalizedRequest;
  readonly resource?: unknown;
  readonly action?: string;
  readonly context?: unknown;
}

export interface InputExtras {
  readonly resource?: unknown;
  readonly action?: string | undefined;
  readonly context?: unknown;
}

export function buildInput(subject: Subject, request: NormalizedRequest, extras: InputExtras): PolicyInput {
  return {
    subject,
    request,
    ...(extras.resource !== undefined ? { resource: extras.resource } : {}),
    ...(extras.action !== undefined ? { action: extras.action } : {}),
    ...(extras.context !== undefined ? { context: extras.context } : {}),
  };
}
