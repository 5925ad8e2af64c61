import type { BucketRate } from '../token-bucket.ts';

/**
 * The IdP call budget across the fleet, in one Lua script so that checking and taking are one step:
 * KEYS = the endpoint's pause key (an IdP 429's Retry-After), the endpoint's bucket, the subject's bucket;
 * ARGV = endpoint tokens per ms and burst, subject tokens per ms and burst (0 per ms: no limit).
 * Answers 0 when a call may go (a token taken from both buckets), else the ms to wait (nothing taken).
 * The clock is Redis's own (TIME), so replicas with skewed clocks share one bucket correctly. The same
 * arithmetic as src/claims/token-bucket.ts.
 */
export const TAKE_BUDGET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 'n', 't')
  local n = tonumber(v[1]) or burst
  local ts = tonumber(v[2]) or now
  return math.min(burst, n + (now - ts) * rate)
end
local er, eb, sr, sb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait, e, s = 0, 0, 0
if er > 0 then e = level(KEYS[2], er, eb) if e < 1 then wait = math.max(wait, math.ceil((1 - e) / er)) end end
if sr > 0 then s = level(KEYS[3], sr, sb) if s < 1 then wait = math.max(wait, math.ceil((1 - s) / sr)) end end
if wait > 0 then return wait end
if er > 0 then redis.call('HSET', KEYS[2], 'n', tostring(e - 1), 't', now) redis.call('PEXPIRE', KEYS[2], math.ceil(eb / er) + 1000) end
if sr > 0 then redis.call('HSET', KEYS[3], 'n', tostring(s - 1), 't', now) redis.call('PEXPIRE', KEYS[3], math.ceil(sb / sr) + 1000) end
return 0
`;

/** ARGV of TAKE_BUDGET for the two rates. */
export function budgetArgs(endpoint: BucketRate, subject: BucketRate): string[] {
  return [endpoint.perSecond / 1000, endpoint.burst, subject.perSecond / 1000, subject.burst].map(String);
}
