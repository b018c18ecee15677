import type { Redis } from 'ioredis';

/**
 * A send-rate limit shared by every worker of a provider, in Redis (GCRA: each message reserves the
 * next free slot, 1/rate apart, using Redis' own clock). Any window of T seconds holds at most
 * rate × T + 1 messages, however many workers run. BullMQ's own limiter counts jobs, and a job here
 * is a batch of readers, so it cannot express messages per second.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil((tat + interval - now) / 1000) + 60000)
return tostring(tat - now)
`;

const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < until_ then redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 60000) end
return 1
`;

export interface RateLimiter {
  /** Resolves when this message may go. */
  acquire(): Promise<void>;
  /** Holds every worker of the provider back for `ms` (the provider said "slow down"). */
  penalize(ms: number): Promise<void>;
}

export function sharedRateLimiter(redis: Redis, provider: string, perSecond: number): RateLimiter {
  const key = `numero:rate:${provider}`;
  if (!(perSecond > 0)) return { acquire: async () => {}, penalize: async () => {} };
  const interval = Math.round(1_000_000 / perSecond);
  return {
    async acquire() {
      const waitUs = Number(await redis.eval(RESERVE, 1, key, String(interval)));
      if (waitUs > 0) await new Promise((r) => setTimeout(r, Math.ceil(waitUs / 1000)));
    },
    async penalize(ms) {
      await redis.eval(PENALIZE, 1, key, String(Math.round(ms * 1000)));
    },
  };
}
