import { isIP } from 'node:net';
import type { KeyType } from './declare.ts';
import type { Listen } from './config.ts';
import { SidecarError } from '../errors/sidecar-error.ts';



/** Why: one message format everywhere, always naming the key the operator has to fix. */
export function configError(key: string, problem: string): SidecarError {
  return new SidecarError('config_error', `config key '${key}': ${problem}`, { expose: true });
}

/** Loopback hosts may use plain http; everything else must be https. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/**
 * Checks one raw value (from a file: already typed; from the environment: a string) against
 * its declared type and returns the normalised value.
 */
export function validateValue(key: string, type: KeyType, raw: unknown, fromEnv: boolean): unknown {
  switch (type.kind) {
    case 'string': {
      if (typeof raw !== 'string') throw configError(key, `expected a string, got ${describe(raw)}`);
      if (type.nonEmpty && raw.trim() === '') throw configError(key, 'must not be empty');
      return raw;
    }
    case 'int': {
      const n = fromEnv && typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw configError(key, `expected an integer, got ${describe(raw)}`);
      if (n < type.min || n > type.max) throw configError(key, `must be between ${type.min} and ${type.max}, got ${n}`);
      return n;
    }
    case 'bool': {
      if (fromEnv && (raw === 'true' || raw === 'false')) return raw === 'true';
      if (typeof raw !== 'boolean') throw configError(key, `expected true or false, got ${describe(raw)}`);
      return raw;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !type.values.includes(raw)) {
        throw configError(key, `must be one of ${type.values.join(', ')}, got ${describe(raw)}`);
      }
      return raw;
    }
    case 'string[]': {
      const list = fromEnv && typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v === '')) {
        throw configError(key, `expected a list of non-empty strings, got ${describe(raw)}`);
      }
      if (type.nonEmpty && list.length === 0) throw configError(key, 'must not be empty');
      const allowed = type.values;
      if (allowed) {
        const bad = list.find((v) => !allowed.includes(v));
        if (bad !== undefined) throw configError(key, `'${bad}' is not supported; use ${allowed.join(', ')}`);
      }
      return Object.freeze([...new Set(list as string[])]);
    }
    case 'listen':
      return parseListen(key, raw);
    case 'issuer':
      return parseIssuer(key, raw);
  }
}

function parseListen(key: string, raw: unknown): Listen {
  if (typeof raw !== 'string' || raw === '') throw configError(key, `expected host:port or a socket path, got ${describe(raw)}`);
  if (raw.startsWith('/') || raw.startsWith('./')) return { kind: 'unix', path: raw };
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(raw);
  if (!m) throw configError(key, `expected host:port (for example 127.0.0.1:8181) or a socket path, got '${raw}'`);
  const port = Number(m[2]);
  if (port > 65535) throw configError(key, `port ${port} is out of range`);
  const bracketed = m[1]!.startsWith('[');
  const host = m[1]!.replace(/^\[|\]$/g, '');
  // Checked here so a typo fails at startup naming the key, not later inside listen().
  if (bracketed ? isIP(host) !== 6 : !/^[A-Za-z0-9._-]+$/.test(host)) {
    throw configError(key, `'${host}' is not an IP address or host name${bracketed ? ' (brackets are for IPv6)' : ''}`);
  }
  return { kind: 'tcp', host, port };
}

function parseIssuer(key: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw configError(key, `expected a URL, got ${describe(raw)}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError(key, `'${raw}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw configError(key, `must use https (plain http is allowed only on loopback addresses), got '${raw}'`);
  }
  if (url.search || url.hash) throw configError(key, 'must not have a query or fragment');
  // Kept verbatim: `iss` is compared exactly, and discovery appends to it.
  return raw;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `'${v}'`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
