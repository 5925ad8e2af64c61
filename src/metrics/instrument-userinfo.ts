import type { ClaimsClient } from '../claims/userinfo-client.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { SidecarMetrics } from './sidecar-metrics.ts';

/**
 * Counts and times every userinfo call by wrapping the client, so src/claims stays free of
 * metrics code. Errors are counted by their stable code and rethrown unchanged.
 */
export function instrumentUserinfo(client: ClaimsClient, metrics: SidecarMetrics): ClaimsClient {
  return {
    async fetch(token) {
      const start = performance.now();
      try {
        const answer = await client.fetch(token);
        metrics.recordUserinfoRequest((performance.now() - start) / 1000, undefined);
        return answer;
      } catch (err) {
        metrics.recordUserinfoRequest((performance.now() - start) / 1000, err instanceof SidecarError ? err.code : 'internal_error');
        throw err;
      }
    },
    close: () => client.close(),
  };
}
