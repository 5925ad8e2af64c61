import { createHash } from 'node:crypto';

const hash = (s: string): string => createHash('sha256').update(s).digest('base64url');

/**
 * Where the shared tier keeps things in Redis. No key holds a token or a raw `sub`: a subject's
 * entries live in one hash named by the SHA-256 of its subject id (so an eviction is one DEL), its
 * fields are the local cache keys (already hashes: claimsCacheKey), and refusals are keyed by a
 * hash of the token's hash.
 */
export interface RedisKeys {
  /** The hash holding every entry of one subject (see claims-cache.ts subjectId). */
  subject(subject: string): string;
  /** Set for a few seconds after a subject's eviction: no entry of it is written meanwhile. */
  evicted(subject: string): string;
  /** Which subject a session id (`sid`) belongs to, for logout tokens that name only `sid`. */
  session(sid: string): string;
  /** A remembered refusal of one token (the fetcher's refusal key, hashed again). */
  refusal(refusalKey: string): string;
  /** The single-flight lock of one entry. */
  lock(subject: string, field: string): string;
  /** The IdP call budget of one endpoint, of one subject, and an endpoint's pause after a 429. */
  endpointBudget(endpoint: string): string;
  subjectBudget(subject: string): string;
  pause(endpoint: string): string;
  /** The pub/sub channel evictions are announced on. */
  readonly evictChannel: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    subject: (subject) => `${prefix}s:${hash(subject)}`,
    evicted: (subject) => `${prefix}e:${hash(subject)}`,
    session: (sid) => `${prefix}sid:${hash(sid)}`,
    refusal: (refusalKey) => `${prefix}r:${hash(refusalKey)}`,
    lock: (subject, field) => `${prefix}l:${hash(`${subject}\n${field}`)}`,
    endpointBudget: (endpoint) => `${prefix}b:${endpoint}`,
    subjectBudget: (subject) => `${prefix}q:${hash(subject)}`,
    pause: (endpoint) => `${prefix}p:${endpoint}`,
    evictChannel: `${prefix}evict`,
  };
}
