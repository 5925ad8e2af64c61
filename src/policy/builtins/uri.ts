import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';

/**
 * OPA's uri.parse and uri.is_valid (topdown/uri.go) on a port of Go's url.Parse (net/url): the
 * same scheme, authority, port and escape checks, and the same split into path, raw path, query
 * and fragment. Written out because WHATWG's URL (Node's) normalises and accepts differently.
 */
export interface Parsed {
  scheme: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

export const uriBuiltins: Record<string, HostBuiltin> = {
  'uri.parse': (args) => {
    const u = parseUrl('uri.parse', stringArg('uri.parse', args, 0));
    const out: Record<string, string> = {};
    if (u.scheme !== '') out['scheme'] = u.scheme;
    const [hostname, port] = splitHostPort(u.host);
    if (hostname !== '') out['hostname'] = hostname;
    if (port !== '') out['port'] = port;
    if (u.path !== '') {
      out['path'] = u.path;
      out['raw_path'] = u.rawPath || u.path;
    }
    if (u.rawQuery !== '') out['raw_query'] = u.rawQuery;
    if (u.fragment !== '') out['fragment'] = u.fragment;
    return out;
  },
  'uri.is_valid': (args) => {
    if (typeof args[0] !== 'string' || args[0] === '') return false;
    try {
      parseUrl('uri.is_valid', args[0]);
      return true;
    } catch {
      return false;
    }
  },
};

export type Mode = 'path' | 'host' | 'fragment';

/** Go's url.Parse: throws BuiltinError(name) where Go returns an error. */
export function parseUrl(name: string, raw: string): Parsed {
  const fail = (msg: string): never => {
    throw new BuiltinError(name, `parse ${JSON.stringify(raw)}: ${msg}`);
  };
  const hash = raw.indexOf('#');
  const rest0 = hash === -1 ? raw : raw.slice(0, hash);
  const frag = hash === -1 ? '' : raw.slice(hash + 1);
  if (/[\x00-\x1f\x7f]/.test(rest0)) fail('net/url: invalid control character in URL');
  const u: Parsed = { scheme: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  if (rest0 === '*') {
    u.path = '*';
  } else {
    let rest = rest0;
    const m = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(rest);
    if (/^:/.test(rest)) fail('missing protocol scheme');
    if (m) {
      u.scheme = m[1]!.toLowerCase();
      rest = rest.slice(m[0].length);
    }
    if (rest.endsWith('?') && rest.split('?').length === 2) rest = rest.slice(0, -1);
    else {
      const q = rest.indexOf('?');
      if (q !== -1) {
        u.rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    if (!rest.startsWith('/')) {
      if (u.scheme !== '') return withFragment(name, u, frag, fail); // opaque
      if (rest.split('/')[0]!.includes(':')) fail('first path segment in URL cannot contain colon');
    }
    if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
      let authority = rest.slice(2);
      rest = '';
      const slash = authority.indexOf('/');
      if (slash !== -1) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
      u.host = parseAuthority(authority, fail);
    }
    u.path = unescape(rest, 'path', fail);
    u.rawPath = escape(u.path, 'path') === rest ? '' : rest;
  }
  return withFragment(name, u, frag, fail);
}

function withFragment(_name: string, u: Parsed, frag: string, fail: (m: string) => never): Parsed {
  if (frag !== '') u.fragment = unescape(frag, 'fragment', fail);
  return u;
}

function parseAuthority(authority: string, fail: (m: string) => never): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at === -1 ? authority : authority.slice(at + 1), fail);
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) fail('net/url: invalid userinfo');
    const colon = userinfo.indexOf(':');
    unescape(colon === -1 ? userinfo : userinfo.slice(0, colon), 'fragment', fail);
    if (colon !== -1) unescape(userinfo.slice(colon + 1), 'fragment', fail);
  }
  return host;
}

const validOptionalPort = (p: string): boolean => p === '' || /^:\d*$/.test(p);

function parseHost(host: string, fail: (m: string) => never): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close === -1) fail("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) fail(`invalid port ${JSON.stringify(colonPort)} after host`);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && !validOptionalPort(host.slice(colon))) fail(`invalid port ${JSON.stringify(host.slice(colon))} after host`);
  }
  return unescape(host, 'host', fail);
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

function shouldEscape(c: string, mode: Mode): boolean {
  if (/[A-Za-z0-9]/.test(c)) return false;
  if (mode === 'host' && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) return mode === 'path' ? c === '?' : mode === 'fragment' ? false : true;
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

/** Go's url unescape: %XX checked; in a host only `%25` and non-ASCII escapes; '+' stays. */
function unescape(s: string, mode: Mode, fail: (m: string) => never): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      if (mode === 'host' && parseInt(hex[0]!, 16) < 8 && s.slice(i, i + 3) !== '%25') fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) fail(`invalid character ${JSON.stringify(c)} in host name`);
    bytes.push(...Buffer.from(c));
  }
  return new TextDecoder().decode(Buffer.from(bytes));
}

export function escape(s: string, mode: Mode): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && !shouldEscape(c, mode) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
