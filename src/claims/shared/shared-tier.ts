import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { OK, statusOf, type Component, type ComponentStatus } from '../../lib/component.ts';
import type { ProcessLog } from '../../lib/process-log.ts';
import { createRedisGuard, SHARED_OUTCOMES, type Guarded, type SharedOutcome } from './redis-guard.ts';
import { redisKeys } from './redis-keys.ts';
import { SHARED_READ } from './shared-read-script.ts';
import { deriveSealKeys, openEntry, sealEntry, type Sealed } from './seal-entry.ts';
import type { SharedTierSettings } from './shared-settings.ts';
import { budgetArgs, TAKE_BUDGET } from './fleet-budget.ts';
import type { BucketRate } from '../token-bucket.ts';

/** One subject's claims as the shared tier keeps them (sealed, see seal-entry.ts). */
export interface SharedClaims {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly roles: readonly string[];
  readonly bytes: number;
}

/** A refusal of one token by the IdP (userinfo 401/403), shared so no replica asks again. */
export interface SharedRefusal {
  readonly code: 'claims_rejected';
  readonly message: string;
}

export interface SharedRead {
  readonly entry?: Sealed<SharedClaims> | undefined;
  readonly refusal?: SharedRefusal | undefined;
}

/** `leader`: this replica holds the lock and calls the IdP; `follower`: another does; `alone`: no lock (off, or Redis failed). */
export type LockResult = { readonly role: 'leader'; release(): void } | { readonly role: 'follower' } | { readonly role: 'alone' };

export interface SharedClaimsTier extends Component {
  /** The entry and any refusal for one token; a miss (empty) on any Redis trouble, within `readBudgetMs`. */
  read(subject: string, field: string, refusalKey: string): Promise<SharedRead>;
  write(subject: string, field: string, entry: Sealed<SharedClaims>): Promise<void>;
  rememberRefusal(refusalKey: string, refusal: SharedRefusal, ttlSeconds: number): Promise<void>;
  lock(subject: string, field: string): Promise<LockResult>;
  /** Polls for the leader's entry until `lockWaitMs`; undefined when it did not come (then call the IdP yourself). */
  waitFor(subject: string, field: string, refusalKey: string): Promise<SharedRead | undefined>;
  /** Deletes a subject's entries and tells every replica; false when Redis could not be reached. */
  evict(subject: string): Promise<boolean>;
  /**
   * Takes one IdP call from the fleet's budget (fleet-budget.ts): 0 when it may go, else the ms to wait;
   * undefined when Redis could not answer (the caller then uses its own, per-process budget).
   */
  takeBudget(endpoint: string, subject: string, endpointRate: BucketRate, subjectRate: BucketRate): Promise<number | undefined>;
  /** An IdP 429 with Retry-After: no replica calls `endpoint` for `ms`. */
  pauseEndpoint(endpoint: string, ms: number): Promise<void>;
  /**
   * The fresh userinfo claims any replica stored for a subject, whatever the client and scope of the token
   * that fetched them (for an AuthZEN subject asserted by an enforcement point, as the local peekSubject).
   */
  peekSubject(subject: string): Promise<SharedClaims | undefined>;
  /** Remembers fleet-wide which subject a session id belongs to (sealed, for SESSION_MS). */
  noteSession(sid: string, subject: string): Promise<void>;
  /** The subject of a session id any replica noted, or undefined (also on any Redis trouble). */
  subjectOfSession(sid: string): Promise<string | undefined>;
  /** Called with the subject id of every eviction announced by any replica (this one included). */
  onEvict(listener: (subject: string) => void): void;
  readonly settings: SharedTierSettings;
  readonly counts: Readonly<Record<SharedOutcome, number>>;
}

export interface SharedTierOptions {
  readonly settings: SharedTierSettings;
  readonly log: Pick<ProcessLog, 'warn' | 'info'>;
  readonly now?: () => number;
  readonly onOutcome?: (outcome: SharedOutcome) => void;
}

/**
 * Writes one entry unless the subject was evicted in the last EVICTED_MS (KEYS[2], the tombstone): an IdP
 * answer fetched before a logout must not come back after it. Keeps the key's TTL at the longest entry it
 * holds: PEXPIRE only ever extends (PTTL is -2 missing, -1 none).
 */
/** The client with the shared read defined on it (start(): defineCommand), sent as EVALSHA. */
type ReadingClient = Redis & { authzSharedRead(hash: string, refusal: string, lock: string, field: string): Promise<unknown> };
/** The script's reply, checked: Redis is outside the trust boundary, so a reply of another shape (or with an error element) is no read. */
const isSharedReply = (v: unknown): v is [string | null, string | null, number] =>
  Array.isArray(v) && v.length === 3 && (v[0] === null || typeof v[0] === 'string') && (v[1] === null || typeof v[1] === 'string') && (v[2] === 0 || v[2] === 1);

const HSET_EXTEND =
  "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end return 1";
/** Longer than any IdP call (the userinfo timeouts add up to 5 s by default). */
const EVICTED_MS = 10_000;
/** Deletes the lock only when it is still ours (it may have expired and been taken by another replica). */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const FORGED_WARN_MS = 10 * 60_000;
const POLL_MS = 15;
/** How long a session id is remembered: longer than the sessions of most IdPs' access tokens. */
const SESSION_MS = 12 * 3600_000;

/**
 * The `claims_shared` component: the second claims tier, on Redis 7 or Valkey through ioredis
 * (docs/fleet.md says why that client). Nothing it does can fail a request: every call goes through
 * a budget and a breaker (redis-guard.ts) and any trouble is a miss, counted; entries are sealed
 * with the fleet key (seal-entry.ts) and one that does not open is never served. Redis being down
 * at start does not hold readiness: the client keeps reconnecting and the status says WARN.
 *
 * One closure on purpose (longer than 80 lines): the two connections, the guard and the counters are state every operation shares.
 */
export function createSharedClaimsTier(options: SharedTierOptions): SharedClaimsTier {
  const { settings, log } = options;
  const now = options.now ?? Date.now;
  const keys = redisKeys(settings.prefix);
  const seal = deriveSealKeys(settings.key);
  const counts = Object.fromEntries(SHARED_OUTCOMES.map((o) => [o, 0])) as Record<SharedOutcome, number>;
  const count = (o: SharedOutcome): void => {
    counts[o]++;
    options.onOutcome?.(o);
  };
  const guard = createRedisGuard({ failureThreshold: settings.breakerFailures, coolOffMs: settings.breakerCoolOffMs, now, onFailure: count });
  const listeners: ((subject: string) => void)[] = [];
  const where = (() => {
    const u = new URL(settings.url);
    return `${u.protocol}//${u.host}`; // never the credentials
  })();
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  let lastForged = 0;
  let stopped = false;
  let prober: NodeJS.Timeout | undefined;

  const call = <T>(op: (r: Redis) => Promise<T>, budgetMs = settings.commandTimeoutMs): Promise<Guarded<T>> => {
    const c = client;
    if (!c || stopped) return Promise.resolve({ ok: false, failure: 'error', detail: 'not started' });
    return guard.run(() => op(c), budgetMs);
  };
  const open = <T>(binding: string, raw: string | null | undefined): Sealed<T> | undefined => {
    if (raw === null || raw === undefined) return undefined;
    const opened = openEntry<T>(seal, binding, raw, now());
    if (opened.ok) return opened.entry;
    if (opened.why === 'forged') {
      lastForged = now();
      count('forged');
      log.warn('refused a shared claims entry that does not authenticate (written without the fleet key, altered or moved)', { key: binding.split('|')[0] });
    }
    return undefined;
  };
  const readOnce = async (subject: string, field: string, refusalKey: string, budgetMs: number): Promise<{ read: SharedRead; locked: boolean } | undefined> => {
    const hashKey = keys.subject(subject);
    const rKey = keys.refusal(refusalKey);
    const lKey = keys.lock(subject, field);
    const r = await call((c) => (c as ReadingClient).authzSharedRead(hashKey, rKey, lKey, field), budgetMs);
    if (!r.ok) return undefined; // counted by the guard
    if (!isSharedReply(r.value)) {
      // Redis answered, but not a read: an error element (a key of the wrong type) or another shape. A miss.
      count('error');
      return undefined;
    }
    const [raw, refused, locked] = r.value;
    const entry = open<SharedClaims>(`${hashKey}|${field}`, raw);
    const refusal = open<SharedRefusal>(rKey, refused)?.payload;
    return { read: { entry, refusal: refusal?.code === 'claims_rejected' ? refusal : undefined }, locked: locked === 1 };
  };

  const tier: SharedClaimsTier = {
    name: 'claims_shared',
    settings,
    counts,
    async start() {
      if (client || stopped) return;
      const c = new Redis(settings.url, {
        connectTimeout: settings.connectTimeoutMs,
        commandTimeout: settings.commandTimeoutMs,
        // Fail at once while disconnected instead of queueing: a request must not wait for a reconnect.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
        lazyConnect: false,
      });
      c.on('error', () => undefined); // reported through status(); the client reconnects by itself
      // One command per read (src/claims/shared/shared-read-script.ts); ioredis resends the script after a NOSCRIPT.
      c.defineCommand('authzSharedRead', { numberOfKeys: 3, lua: SHARED_READ });
      // The subscriber queues its SUBSCRIBE until connected and retries it forever; ioredis re-subscribes after each reconnect.
      const s = c.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
      s.on('error', () => undefined);
      s.on('message', (channel: string, message: string) => {
        if (channel !== keys.evictChannel) return;
        const e = open<{ subject: string }>(keys.evictChannel, message);
        if (!e || typeof e.payload.subject !== 'string') return;
        count('evict_received');
        for (const l of listeners) l(e.payload.subject);
      });
      s.subscribe(keys.evictChannel).catch(() => undefined); // ioredis resubscribes after every reconnect
      client = c;
      subscriber = s;
      // The status stays WARN while the breaker is tripped (until a call succeeds): when no request reaches the
      // tier after the cool-off, this probe does, so the status follows Redis both ways without traffic.
      prober = setInterval(() => {
        if (guard.tripped && !guard.open) void call((r) => r.ping());
      }, settings.breakerCoolOffMs);
      prober.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(prober);
      client?.disconnect();
      subscriber?.disconnect();
    },
    status() {
      return { claims_shared: statusNow() };
    },
    statusSections() {
      return { claims_shared: { redis: where, connected: client?.status === 'ready', breaker_open: guard.open, outcomes: { ...counts } } };
    },
    async read(subject, field, refusalKey) {
      const r = await readOnce(subject, field, refusalKey, settings.readBudgetMs);
      if (r === undefined) return {};
      count(r.read.refusal ? 'refusal' : r.read.entry === undefined ? 'miss' : now() < r.read.entry.freshUntil ? 'hit' : 'stale');
      return r.read;
    },
    async write(subject, field, entry) {
      const hashKey = keys.subject(subject);
      const sealed = sealEntry(seal, `${hashKey}|${field}`, entry);
      const ttl = Math.max(1, Math.ceil(entry.staleUntil - now()));
      await call((c) => c.eval(HSET_EXTEND, 2, hashKey, keys.evicted(subject), field, sealed, ttl));
    },
    async rememberRefusal(refusalKey, refusal, ttlSeconds) {
      if (ttlSeconds <= 0) return;
      const rKey = keys.refusal(refusalKey);
      const until = now() + ttlSeconds * 1000;
      const sealed = sealEntry(seal, rKey, { freshUntil: until, staleUntil: until, payload: refusal });
      await call((c) => c.set(rKey, sealed, 'PX', ttlSeconds * 1000));
    },
    async lock(subject, field) {
      if (settings.lockMs === 0) return { role: 'alone' };
      const lKey = keys.lock(subject, field);
      const token = randomBytes(12).toString('base64url');
      // The command timeout, not the read budget: this request is on its way to the IdP anyway, and a lock
      // given up too early sends every replica there.
      const r = await call((c) => c.set(lKey, token, 'PX', settings.lockMs, 'NX'));
      if (!r.ok) return { role: 'alone' };
      if (r.value !== 'OK') return { role: 'follower' };
      return { role: 'leader', release: () => void call((c) => c.eval(RELEASE, 1, lKey, token)) };
    },
    async waitFor(subject, field, refusalKey) {
      const until = now() + settings.lockWaitMs;
      while (now() < until && !stopped) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const r = await readOnce(subject, field, refusalKey, settings.readBudgetMs);
        if (r === undefined) {
          if (guard.open) return undefined; // Redis is failing: stop waiting, call the IdP
          continue; // one slow poll: the leader's answer may still come within lockWaitMs
        }
        if (r.read.refusal || (r.read.entry && now() < r.read.entry.freshUntil)) {
          count('waited');
          return r.read;
        }
        if (!r.locked) return undefined; // the leader gave up without an answer
      }
      return undefined;
    },
    async evict(subject) {
      const message = sealEntry(seal, keys.evictChannel, { freshUntil: now() + 60_000, staleUntil: now() + 60_000, payload: { subject } });
      const r = await call((c) => c.multi().del(keys.subject(subject)).set(keys.evicted(subject), '1', 'PX', EVICTED_MS).publish(keys.evictChannel, message).exec());
      if (r.ok) count('evict_sent');
      return r.ok;
    },
    async takeBudget(endpoint, subject, endpointRate, subjectRate) {
      const keysOf = [keys.pause(endpoint), keys.endpointBudget(endpoint), keys.subjectBudget(subject)];
      const r = await call((c) => c.eval(TAKE_BUDGET, 3, ...keysOf, ...budgetArgs(endpointRate, subjectRate)), settings.readBudgetMs);
      return r.ok ? Number(r.value) : undefined;
    },
    async pauseEndpoint(endpoint, ms) {
      await call((c) => c.set(keys.pause(endpoint), '1', 'PX', Math.max(1, Math.ceil(ms))));
    },
    async peekSubject(subject) {
      const hashKey = keys.subject(subject);
      const r = await call((c) => c.hgetall(hashKey), settings.readBudgetMs);
      if (!r.ok) return undefined;
      for (const [field, raw] of Object.entries(r.value)) {
        if (!field.startsWith('userinfo:')) continue;
        const e = open<SharedClaims>(`${hashKey}|${field}`, raw);
        if (e && now() < e.freshUntil) return e.payload;
      }
      return undefined;
    },
    async noteSession(sid, subject) {
      const key = keys.session(sid);
      const until = now() + SESSION_MS;
      await call((c) => c.set(key, sealEntry(seal, key, { freshUntil: until, staleUntil: until, payload: { subject } }), 'PX', SESSION_MS));
    },
    async subjectOfSession(sid) {
      const key = keys.session(sid);
      const r = await call((c) => c.get(key));
      const subject = r.ok ? open<{ subject: string }>(key, r.value)?.payload.subject : undefined;
      return typeof subject === 'string' ? subject : undefined;
    },
    onEvict(listener) {
      listeners.push(listener);
    },
  };

  function statusNow(): ComponentStatus {
    if (!client) return statusOf('WARN', 'not started');
    if (client.status !== 'ready') return statusOf('WARN', `Redis at ${where} is not connected (${client.status}); deciding from the local tier and the IdP`);
    if (guard.tripped) return statusOf('WARN', `Redis at ${where} is paused after ${guard.consecutiveFailures} failures (${guard.lastFailure ?? ''}); deciding from the local tier and the IdP`);
    if (subscriber?.status !== 'ready') return statusOf('WARN', `the eviction channel on ${where} is not subscribed (${subscriber?.status}); evictions from other replicas are not seen`);
    if (lastForged > 0 && now() - lastForged < FORGED_WARN_MS) {
      return statusOf('WARN', `${counts.forged} shared entries did not authenticate (written without the fleet key, altered or moved) and were refused; the last ${Math.round((now() - lastForged) / 1000)} s ago`);
    }
    return OK;
  }
  return tier;
}
