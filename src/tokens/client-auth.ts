import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ClientCredentials } from './tokens-settings.ts';

/** What a token request carries to authenticate the client: a header, form parameters, or both. */
export interface ClientAuth {
  readonly headers: Record<string, string>;
  readonly params: Record<string, string>;
}

/** Lifetime of a `private_key_jwt` assertion: one request's worth (RFC 7523 §3: short-lived, single use). */
const ASSERTION_SECONDS = 60;

/**
 * The client authentication of one token request (RFC 6749 §2.3.1, RFC 7523 §2.2):
 * `client_secret_basic` puts id and secret, each form-encoded first, in HTTP Basic;
 * `client_secret_post` puts them in the form; `private_key_jwt` signs a fresh assertion
 * (iss = sub = client id, aud = the token endpoint, a random jti) with the configured key.
 */
export async function clientAuth(credentials: ClientCredentials, tokenEndpoint: string): Promise<ClientAuth> {
  switch (credentials.method) {
    case 'client_secret_basic': {
      const form = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
      const basic = Buffer.from(`${form(credentials.clientId)}:${form(credentials.clientSecret)}`).toString('base64');
      return { headers: { authorization: `Basic ${basic}` }, params: {} };
    }
    case 'client_secret_post':
      return { headers: {}, params: { client_id: credentials.clientId, client_secret: credentials.clientSecret } };
    case 'private_key_jwt': {
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: credentials.algorithm, typ: 'JWT', ...(credentials.keyId ? { kid: credentials.keyId } : {}) })
        .setIssuer(credentials.clientId)
        .setSubject(credentials.clientId)
        .setAudience(tokenEndpoint)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(`${ASSERTION_SECONDS}s`)
        .sign(credentials.key);
      return {
        headers: {},
        params: {
          client_id: credentials.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        },
      };
    }
  }
}
