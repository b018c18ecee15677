import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The relay breaker of one provider, in Redis so that every worker of the provider shares it.
 * A transport failure (the relay refused the connection, timed out, refused our password) opens
 * it: every worker stops submitting for that provider, and one probe at a time (a lock in Redis)
 * connects, says EHLO and authenticates, with backoff from 1 s up to 5 minutes. When a probe
 * succeeds the breaker closes and sending resumes by itself.
 */
export interface RelayOutage {
  /** `auth`: the relay refused our credentials (waiting cannot fix it); `transport`: anything else. */
  kind: 'transport' | 'auth';
  reason: string;
  /** ISO time the outage began. */
  since: string;
  /** Epoch ms of the next probe. */
  nextProbeAt: number;
  backoffMs: number;
}

export const MIN_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

export interface Breaker {
  /** The open outage, or null; read from Redis at most every `cacheMs`. */
  current(): Promise<RelayOutage | null>;
  /** Opens the breaker (or keeps it open, with the newer reason). Returns true when this call opened it. */
  trip(kind: RelayOutage['kind'], reason: string): Promise<boolean>;
  /**
   * When the breaker is open and a probe is due (or `force`), and no other worker is probing,
   * runs `probe`: success closes the breaker, failure doubles the backoff. Returns what happened.
   */
  probe(
    run: () => Promise<void>,
    o?: { force?: boolean },
  ): Promise<{
    outcome: 'closed' | 'failed' | 'not-open' | 'not-due' | 'busy';
    outage: RelayOutage | null;
    error?: Error;
  }>;
}

export function relayBreaker(redis: Redis, provider: string, o: { cacheMs?: number } = {}): Breaker {
  const key = `numero:relay:${provider}`;
  const lockKey = `${key}:probe`;
  const cacheMs = o.cacheMs ?? 200;
  let cached: { at: number; value: RelayOutage | null } | null = null;

  const read = async (): Promise<RelayOutage | null> => {
    const raw = await redis.get(key);
    const value = raw ? (JSON.parse(raw) as RelayOutage) : null;
    cached = { at: Date.now(), value };
    return value;
  };

  return {
    async current() {
      if (cached && Date.now() - cached.at < cacheMs) return cached.value;
      return read();
    },
    async trip(kind, reason) {
      const outage: RelayOutage = {
        kind,
        reason: reason.slice(0, 300),
        since: new Date().toISOString(),
        nextProbeAt: Date.now() + MIN_BACKOFF_MS,
        backoffMs: MIN_BACKOFF_MS,
      };
      const opened = (await redis.set(key, JSON.stringify(outage), 'NX')) === 'OK';
      if (!opened && kind === 'auth') {
        // An authentication failure is news even when the relay was already down: say so.
        const now = await read();
        if (now && now.kind !== 'auth')
          await redis.set(key, JSON.stringify({ ...now, kind, reason: outage.reason }), 'XX');
      }
      cached = null;
      return opened;
    },
    async probe(run, po = {}) {
      const outage = await read();
      if (!outage) return { outcome: 'not-open', outage: null };
      if (!po.force && outage.nextProbeAt > Date.now()) return { outcome: 'not-due', outage };
      const token = randomBytes(8).toString('hex');
      if ((await redis.set(lockKey, token, 'PX', 60_000, 'NX')) !== 'OK') return { outcome: 'busy', outage };
      try {
        await run();
        await redis.del(key);
        cached = null;
        return { outcome: 'closed', outage };
      } catch (e) {
        const error = e as Error;
        const backoffMs = Math.min(MAX_BACKOFF_MS, outage.backoffMs * 2);
        const next = {
          ...outage,
          reason: error.message.slice(0, 300),
          backoffMs,
          nextProbeAt: Date.now() + backoffMs,
        };
        await redis.set(key, JSON.stringify(next), 'XX');
        cached = null;
        return { outcome: 'failed', outage: next, error };
      } finally {
        if ((await redis.get(lockKey)) === token) await redis.del(lockKey);
      }
    },
  };
}
