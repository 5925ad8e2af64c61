/**
 * The shared tier's read in one command: a subject's entry (HGET), the token's remembered refusal (GET) and
 * whether another sidecar holds the entry's single-flight lock (EXISTS). Sent as EVALSHA (ioredis
 * defineCommand), it costs the client one command instead of a three-command pipeline, which doubled the
 * read's p99 on loopback (docs/fleet.md, "A shared hit's cost"). KEYS: hash, refusal, lock; ARGV: field.
 * Redis turns a missing value (false in Lua) into a nil element, so the reply always has three elements.
 * `pcall`: a key of the wrong type (written by someone else) answers an error element, as a pipeline's command
 * did, not a failed command; shared-tier.ts counts it as an `error` and treats the read as a miss.
 */
export const SHARED_READ = `return { redis.pcall('HGET', KEYS[1], ARGV[1]), redis.pcall('GET', KEYS[2]), redis.pcall('EXISTS', KEYS[3]) }`;
