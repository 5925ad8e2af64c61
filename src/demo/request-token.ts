import { request } from 'undici';

/**
 * Gets an access token for a demo user from a running demo IdP (password grant, `openid` scope).
 * Throws with the IdP's answer when it is unreachable or refuses.
 */
export async function requestDemoToken(idpUrl: string, user: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'password', username: user, password: 'demo', scope: 'openid profile', client_id: 'demo-service' });
  const res = await request(`${idpUrl.replace(/\/$/, '')}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`the IdP answered ${res.statusCode}: ${text.slice(0, 200)}`);
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error('the IdP answered no access_token');
  return token;
}
