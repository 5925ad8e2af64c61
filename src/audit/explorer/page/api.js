// The explorer's JSON API (src/audit/explorer/explorer-api.ts). When the server is bound to
// something other than loopback it needs the access token, which arrives once in the URL
// (#token=...), is kept for this tab only, and is removed from the address bar.

const TOKEN_KEY = 'authz-explorer-token';

function takeToken() {
  const p = new URLSearchParams(location.hash.slice(1));
  const t = p.get('token');
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    p.delete('token');
    history.replaceState(null, '', `${location.pathname}${location.search}#${p}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} path
 * @param {URLSearchParams} [params]
 * @returns {Promise<any>}
 */
export async function get(path, params) {
  const q = params && [...params.keys()].length > 0 ? `?${params}` : '';
  const res = await fetch(`${path}${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.json().catch(() => ({ code: 'internal_error', message: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new ApiError(res.status, String(body.code), String(body.message));
  return body;
}
