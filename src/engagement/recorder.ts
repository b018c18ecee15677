import { isOutage } from '../_shared/outage.ts';
import type { TrackedRequest } from '../_shared/track-token.ts';
import type { EngagementEvent } from '../store/engagement.ts';
import type { MachineReason } from './bots.ts';

/**
 * Clicks and image loads, recorded without slowing the redirect: each request only adds an entry
 * in memory; a timer writes what is older than the burst window in one transaction (on SQLite a
 * writer waits for its turn). Held that long on purpose: a message whose links are all followed
 * within `windowMs` is a scanner, and its clicks are counted as a machine's, the first one too.
 * While the database is away the entries wait and are written when it is back; only beyond
 * `maxPending` the oldest are dropped, and counted. SIGTERM writes everything before exit; a
 * crash loses at most the last `windowMs` + `flushEveryMs`.
 */
export interface RecorderOptions {
  write(clicks: Array<EngagementEvent & { position: number }>, opens: EngagementEvent[]): Promise<void>;
  /** Said once per outage, and again when writing works. */
  log(event: string, fields: Record<string, unknown>): void;
  windowMs?: number;
  flushEveryMs?: number;
  maxPending?: number;
  now?: () => number;
}

interface Pending {
  at: number;
  campaignId: number;
  position: number | null;
  key: string;
  deliveryId: number | null;
  machine: MachineReason | null;
}

/** Distinct links of one message within the window that make a burst (fewer when it has fewer). */
const BURST_LINKS = 3;
/** Clicks of one message remembered for the burst check: enough for any numéro's links. */
const KEPT_PER_MESSAGE = 64;

/** One message's recent clicks: when each link was last followed, and the clicks to mark. */
interface Recent {
  last: Map<number, number>;
  clicks: Pending[];
  burst: boolean;
}

export class EngagementRecorder {
  private pending: Pending[] = [];
  /** The clicks of each message still held, by campaign and key: where bursts are seen. */
  private readonly recent = new Map<string, Recent>();
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> | null = null;
  private failing = false;
  readonly stats = { recorded: 0, machine: 0, dropped: 0 };
  private readonly windowMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;

  constructor(private readonly o: RecorderOptions) {
    this.windowMs = o.windowMs ?? 2_000;
    this.maxPending = o.maxPending ?? 200_000;
    this.now = o.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(false), o.flushEveryMs ?? 500);
    this.timer.unref();
  }

  /** A tracked link was followed; `links` is how many links the numéro has. */
  click(r: TrackedRequest & { position: number }, machine: MachineReason | null, links: number): void {
    const e = this.add(r, machine);
    const id = `${r.campaignId}:${r.key}`;
    const since = e.at - this.windowMs;
    let mine = this.recent.get(id);
    if (!mine) {
      mine = { last: new Map(), clicks: [], burst: false };
      this.recent.set(id, mine);
    }
    mine.last.set(r.position, e.at);
    // Bounded whatever one message's key is made to do: a flood costs the same per click.
    if (mine.clicks.length >= KEPT_PER_MESSAGE) mine.clicks = mine.clicks.filter((p) => p.at >= since);
    if (mine.clicks.length < KEPT_PER_MESSAGE) mine.clicks.push(e);
    if (!mine.burst && links >= 2) {
      let distinct = 0;
      for (const at of mine.last.values()) if (at >= since) distinct++;
      mine.burst = distinct >= Math.min(BURST_LINKS, links);
    }
    if (mine.burst) {
      e.machine ??= 'burst';
      for (const p of mine.clicks) if (p.at >= since) p.machine ??= 'burst';
    }
  }

  /** The open-tracking image was loaded. */
  open(r: TrackedRequest, machine: MachineReason | null): void {
    this.add({ ...r, position: null }, machine);
  }

  private add(r: TrackedRequest, machine: MachineReason | null): Pending {
    const e: Pending = {
      at: this.now(),
      campaignId: r.campaignId,
      position: r.position,
      key: r.key,
      deliveryId: r.deliveryId,
      machine,
    };
    this.pending.push(e);
    if (this.pending.length > this.maxPending) {
      const over = this.pending.length - this.maxPending;
      this.pending.splice(0, over);
      this.stats.dropped += over;
      this.o.log('engagement.dropped', { count: over, why: 'the database has been away too long' });
    }
    return e;
  }

  /** Writes what is older than the window (`all`: everything), one write at a time. */
  async flush(all: boolean): Promise<void> {
    while (this.writing) await this.writing;
    this.prune();
    const upTo = all ? Number.POSITIVE_INFINITY : this.now() - this.windowMs;
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as Pending).at <= upTo) n++;
    if (!n) return;
    const batch = this.pending.slice(0, n);
    this.writing = this.write(batch).finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private async write(batch: Pending[]): Promise<void> {
    const clicks: Array<EngagementEvent & { position: number }> = [];
    const opens: EngagementEvent[] = [];
    for (const p of batch) {
      const row: EngagementEvent = {
        campaign_id: p.campaignId,
        at: new Date(p.at).toISOString(),
        machine: p.machine ? 1 : 0,
        why: p.machine,
        message_key: p.key,
        delivery_id: p.deliveryId,
      };
      if (p.position === null) opens.push(row);
      else clicks.push({ ...row, position: p.position });
    }
    try {
      await this.o.write(clicks, opens);
    } catch (e) {
      if (isOutage(e)) {
        if (!this.failing)
          this.o.log('engagement.waiting', { err: (e as Error).message, pending: this.pending.length });
        this.failing = true;
        return; // kept; the next tick tries again
      }
      // Not an outage (a campaign deleted since?): this batch would fail forever; it is dropped, said.
      this.o.log('engagement.dropped', { count: batch.length, why: (e as Error).message });
      this.stats.dropped += batch.length;
      const dropped = new Set(batch);
      this.pending = this.pending.filter((p) => !dropped.has(p));
      return;
    }
    if (this.failing) this.o.log('engagement.back', { pending: this.pending.length });
    this.failing = false;
    // Entries may have been dropped meanwhile (over maxPending): remove the written ones by identity.
    const written = new Set(batch);
    this.pending = this.pending.filter((p) => !written.has(p));
    this.stats.recorded += batch.length;
    this.stats.machine += batch.filter((p) => p.machine).length;
  }

  /** Forgets the messages whose clicks are all older than the window. */
  private prune(): void {
    const since = this.now() - this.windowMs;
    for (const [id, r] of this.recent) {
      let latest = 0;
      for (const at of r.last.values()) latest = Math.max(latest, at);
      if (latest < since) this.recent.delete(id);
    }
  }

  /** Writes everything held (SIGTERM, tests) and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }
}
