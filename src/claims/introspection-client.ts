import { SidecarError } from '../errors/sidecar-error.ts';
import { createIdpPool, parseJsonObject, type IdpHttpOptions } from './idp-pool.ts';
import type { ClaimsClient } from './userinfo-client.ts';

export interface IntrospectionOptions extends IdpHttpOptions {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * RFC 7662 token introspection, authenticated as the sidecar's client (HTTP Basic with
 * form-encoded id and secret, RFC 6749 §2.3.1). Returns the answer as is, `active` included;
 * deciding what `active: false` means is the caller's job. A 401/403 here refuses the sidecar's
 * own credentials, not the caller's token, so it is `claims_unavailable`, never a 401 for the caller.
 */
export function createIntrospectionClient(options: IntrospectionOptions): ClaimsClient {
  const pool = createIdpPool(options.endpoint, options);
  const form = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  const basic = `Basic ${Buffer.from(`${form(options.clientId)}:${form(options.clientSecret)}`).toString('base64')}`;
  return {
    async fetch(token) {
      const res = await pool.request('introspection', {
        method: 'POST',
        headers: { authorization: basic, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      if (res.status === 401 || res.status === 403) {
        throw new SidecarError('claims_unavailable', `introspection refused the sidecar's client credentials (${res.status}); check claims.clientId and claims.clientSecret`);
      }
      if (res.status !== 200) throw new SidecarError('claims_unavailable', `introspection answered ${res.status}`);
      if (res.type !== 'application/json') throw new SidecarError('claims_unavailable', `introspection answered content-type '${res.type}', not JSON`);
      const claims = parseJsonObject('introspection', res.text);
      if (typeof claims['active'] !== 'boolean') throw new SidecarError('claims_unavailable', 'introspection answered no boolean "active"');
      return { claims, bytes: res.bytes };
    },
    close: () => pool.close(),
  };
}
