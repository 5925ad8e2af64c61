import type { AuthzenSettings } from './authzen-settings.ts';
import { createAuthzenEvaluator, type AuthzenDeps, type AuthzenEvaluator } from './evaluate.ts';
import { createAuthzenSearch, type AuthzenSearcher } from './search.ts';

/**
 * The AuthZEN policy decision point of one generation: what the HTTP layer's AuthZEN routes call
 * (src/http/routes/authzen-*.ts). Built by src/runtime/generation.ts from the same deps as the
 * authorizer, plus the claims cache's lookup by subject id.
 */
export interface AuthzenPdp {
  readonly settings: AuthzenSettings;
  readonly evaluate: AuthzenEvaluator;
  readonly search: AuthzenSearcher;
  /** Whether the active bundle has the entrypoints a search needs (the metadata lists the search endpoints only then). */
  canSearch(): boolean;
}

export function createAuthzenPdp(deps: AuthzenDeps): AuthzenPdp {
  const { settings } = deps;
  return {
    settings,
    evaluate: createAuthzenEvaluator(deps),
    search: createAuthzenSearch(deps),
    canSearch() {
      const entrypoints = deps.engine()?.entrypoints ?? [];
      return entrypoints.includes(settings.searchEntrypoint) && entrypoints.includes(settings.entrypoint);
    },
  };
}
