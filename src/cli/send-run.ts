import cliProgress from 'cli-progress';
import { cancelCampaign, pauseCampaign, resumeCampaign, retryFailed } from '../campaign/control.ts';
import { parseFailureFilter } from '../campaign/failures.ts';
import { launchCampaign } from '../campaign/launch.ts';
import { RELAY_WAIT_PREFIX } from '../campaign/lifecycle.ts';
import type { CampaignQueue } from '../campaign/queue-port.ts';
import { campaignProgress, campaignReport, recentProgress } from '../campaign/report.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { NumeroError } from '../errors.ts';
import { bullCampaignQueue } from '../queue/campaign-queue.ts';
import { type RedisTarget, resolveRedis } from '../runtime/redis-server.ts';
import { preflight } from '../send/preflight.ts';
import { verifyRelay } from '../send/transport.ts';
import { type CampaignRow, campaignById } from '../store/campaigns.ts';
import { openStore, type Store } from '../store/db.ts';
import { acceptedSpan } from '../store/deliveries.ts';
import { formatReport } from './campaign-show.ts';

/**
 * `numero send`, `campaigns` and `campaign …`: wiring and printing only. The use cases are in
 * src/campaign/ (launch, control, report); this file opens the store and the queue for them.
 */

/** The queue on Redis, resolved only when something is enqueued (an invalid issue starts nothing). */
function lazyQueue(
  cfg: Config,
): CampaignQueue & { close(): Promise<void>; workers(provider: string): Promise<number> } {
  let target: RedisTarget | null = null;
  let queue: ReturnType<typeof bullCampaignQueue> | null = null;
  return {
    get description() {
      return target?.description ?? 'Redis';
    },
    async enqueueBatches(campaignId, provider, batches, delayMs) {
      if (!queue) {
        target = await resolveRedis(cfg);
        queue = bullCampaignQueue(target.url, target.description);
      }
      await queue.enqueueBatches(campaignId, provider, batches, delayMs);
    },
    async workers(provider) {
      if (!queue?.workers) return -1;
      return queue.workers(provider);
    },
    async close() {
      await queue?.close();
      await target?.stop();
    },
  };
}

function relayCheck(url: string) {
  const u = new URL(url);
  return { description: `${u.protocol}//${u.host}`, check: () => verifyRelay(url) };
}

export interface Queued {
  store: Store;
  campaign: CampaignRow;
  /** Why nothing moves, when something outside the campaign holds it (no worker, the relay), or null. */
  stalled(): Promise<string | null>;
  close(): Promise<void>;
}

/** `numero send` up to the queue. Nothing is queued when the issue has an error. */
export async function queueCampaign(
  cfg: Config,
  o: { file: string; list: string; at: Date | null; again: boolean; force?: boolean },
): Promise<Queued> {
  const checks = preflight(cfg, loadNewsletter(cfg.issuesDir));
  for (const w of checks.warnings) console.error(`warning: ${w}`);
  if (checks.errors.length && !o.force)
    throw new NumeroError(
      'CONFIG_INVALID',
      `${checks.errors.join('\n')}\nNothing was queued. Fix the configuration, or send anyway with --force.`,
    );
  for (const e of checks.errors) if (o.force) console.error(`forced past: ${e}`);
  const store = await openStore(cfg);
  const queue = lazyQueue(cfg);
  try {
    const relay = cfg.smtpUrl ? relayCheck(cfg.smtpUrl) : undefined; // the built-in capture needs none
    const campaign = await launchCampaign({ store, queue, relay, workspace: cfg, send: cfg.send }, o);
    const when = o.at ? ` for ${o.at.toISOString()}` : '';
    const progress = await campaignProgress(store.db, campaign);
    console.log(
      `campaign ${campaign.id}: ${campaign.total} reader(s) of ${progress.listName} in ${campaign.batches} batch(es) of ${campaign.batch_size}, queued${when} on ${queue.description}`,
    );
    return {
      store,
      campaign,
      stalled: async () => {
        const c = await campaignById(store.db, campaign.id);
        if (!c) return null;
        if (c.scheduled_at && Date.parse(c.scheduled_at) > Date.now())
          return `scheduled for ${c.scheduled_at}`;
        if (c.state_reason?.startsWith(RELAY_WAIT_PREFIX)) return c.state_reason;
        const n = await queue.workers(c.provider).catch(() => -1);
        if (n === 0)
          return `no worker is connected to the queue on ${queue.description}: start one with numero worker (same REDIS_URL, DATABASE_URL and UNSUBSCRIBE_SECRET)`;
        return null;
      },
      close: async () => {
        await queue.close();
        await store.close();
      },
    };
  } catch (e) {
    await queue.close();
    await store.close();
    throw e;
  }
}

/**
 * Shows sent / failed / remaining with the current rate and the time left until the campaign ends;
 * the last line gives the time end to end (since `since`, the command's start). Ctrl-C leaves it
 * running.
 */
export async function followCampaign(
  store: Store,
  id: number,
  o: { stalled?: () => Promise<string | null>; stallMs?: number; since?: number } = {},
): Promise<void> {
  const since = o.since ?? Date.now();
  const pace = new Pace();
  let lastMoved = Date.now();
  let lastDone = -1;
  let said: string | null = null;
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            'campaign {id} [{bar}] {sent} sent | {failed} failed | {remaining} remaining | {rate} msg/s | {eta} left',
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let interrupted = false;
  const onInt = () => {
    interrupted = true;
  };
  process.once('SIGINT', onInt);
  try {
    let lastLine = 0;
    for (;;) {
      const c = await campaignById(store.db, id);
      if (!c) return;
      const { counts: n, remaining } = await campaignProgress(store.db, c);
      const failed = n.failed + n.bounced;
      // Nothing moves for a few seconds: say why, once per reason, instead of counting for ever.
      const done = c.total - remaining;
      const rate = Math.round(pace.add(done));
      const eta = formatDuration(rate > 0 ? remaining / rate : Number.NaN);
      if (done !== lastDone) {
        lastDone = done;
        lastMoved = Date.now();
      } else if (o.stalled && Date.now() - lastMoved > (o.stallMs ?? 5_000)) {
        const why = await o.stalled().catch(() => null);
        if (why && why !== said) {
          bar?.stop();
          console.log(`campaign ${id}: waiting: ${why}`);
          said = why;
        }
        lastMoved = Date.now();
      }
      const values = { id, sent: n.sent, failed, remaining, rate, eta };
      if (bar) {
        if (!bar.isActive) bar.start(Math.max(1, c.total), 0, values);
        bar.update(c.total - remaining, values);
      } else if (Date.now() - lastLine > 2_000 || remaining === 0) {
        console.log(
          `campaign ${id}: ${n.sent} sent, ${failed} failed, ${n.skipped} skipped, ${remaining} remaining (${rate} msg/s${remaining ? `, ${eta} left` : ''})`,
        );
        lastLine = Date.now();
      }
      if (['sent', 'cancelled', 'paused'].includes(c.state) || interrupted) {
        bar?.stop();
        if (interrupted) console.log(`left campaign ${id} running; follow it with: numero campaigns`);
        else console.log(await finalLine(store, c, n.sent, since));
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    process.removeListener('SIGINT', onInt);
  }
}

/** The last line: the state, and for a sent campaign its time end to end and its sending rate. */
async function finalLine(store: Store, c: CampaignRow, sent: number, since: number): Promise<string> {
  const head = `campaign ${c.id} ${c.state}${c.state_reason ? `: ${c.state_reason}` : ''}`;
  if (c.state !== 'sent' || !sent) return head;
  const span = await acceptedSpan(store.db, c.id);
  const total = formatDuration((Date.now() - since) / 1000);
  if (!span) return `${head}: ${total} end to end`;
  const sending = (Date.parse(span.last) - Date.parse(span.first)) / 1000;
  const rate = sending > 0 ? ` at ${Math.round(sent / sending)} msg/s` : '';
  return `${head}: ${sent} accepted, ${total} end to end (from this command's start; sending ${formatDuration(sending)}${rate})`;
}

/** The rate over the last 10 seconds of samples (msg/s), so that a wait at the start does not hide it. */
export class Pace {
  private samples: Array<{ t: number; done: number }> = [];
  add(done: number, t = Date.now()): number {
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - (this.samples[1]?.t ?? t) >= 10_000) this.samples.shift();
    const first = this.samples[0];
    if (!first || t - first.t < 250) return 0;
    return Math.max(0, (done - first.done) / ((t - first.t) / 1000));
  }
}

/** 0.4 s, 42 s, 3 min 05 s, 1 h 02 min; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

async function withStore<T>(cfg: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function printCampaigns(cfg: Config): Promise<void> {
  await withStore(cfg, async (store) => {
    const rows = await recentProgress(store.db);
    if (!rows.length) return console.log('no campaigns yet: numero send ISSUE --list NAME');
    const head = [
      'id',
      'issue',
      'list',
      'state',
      'total',
      'sent',
      'failed',
      'bounced',
      'skipped',
      'remaining',
    ];
    console.log(head.map((h, i) => h.padEnd(i === 1 ? 28 : 10)).join(''));
    for (const { campaign: c, counts: n, listName, remaining } of rows) {
      const cells = [
        c.id,
        c.issue_slug,
        listName,
        c.state,
        c.total,
        n.sent,
        n.failed,
        n.bounced,
        n.skipped,
        remaining,
      ];
      console.log(cells.map((v, i) => String(v).padEnd(i === 1 ? 28 : 10)).join(''));
      if (c.state_reason) console.log(`    ${c.state_reason}`);
    }
  });
}

export async function showCampaign(cfg: Config, id: number): Promise<void> {
  await withStore(cfg, async (store) => {
    const report = await campaignReport(store.db, id);
    if (!report) throw new NumeroError('USAGE', `no campaign ${id}`);
    console.log(formatReport(report));
    const { campaignEngagement, listComparison } = await import('../engagement/report.ts');
    const { formatEngagement } = await import('./engagement-show.ts');
    const e = await campaignEngagement(store.db, report.campaign);
    console.log(formatEngagement(e, await listComparison(store.db, report.campaign)));
  });
}

/** `numero campaign export-stats ID`: the engagement figures as CSV, on stdout or into a file. */
export async function exportCampaignStats(cfg: Config, id: number, out: string | undefined): Promise<void> {
  await withStore(cfg, async (store) => {
    const c = await campaignById(store.db, id);
    if (!c) throw new NumeroError('USAGE', `no campaign ${id}`);
    const { campaignEngagement } = await import('../engagement/report.ts');
    const { engagementCsv } = await import('../engagement/csv.ts');
    const csv = engagementCsv(await campaignEngagement(store.db, c));
    if (out) {
      const fs = await import('node:fs');
      fs.writeFileSync(out, csv);
      console.error(`campaign ${id}: ${out} written`);
    } else process.stdout.write(csv);
  });
}

export type Action = 'pause' | 'resume' | 'cancel' | 'retry';

/** Operator controls, through the same use cases as the dashboard. */
export async function controlCampaign(
  cfg: Config,
  action: Action,
  id: number,
  o: {
    code?: string | undefined;
    domain?: string | undefined;
    dryRun?: boolean;
    transportFailures?: boolean | undefined;
  } = {},
): Promise<void> {
  const filter = action === 'retry' ? parseFailureFilter(o) : {};
  await withStore(cfg, async (store) => {
    let message: string;
    if (action === 'pause') message = await pauseCampaign(store.db, id);
    else if (action === 'resume') message = await resumeCampaign(store.db, id);
    else if (action === 'cancel') message = await cancelCampaign(store.db, id);
    else message = (await retryFailed({ db: store.db }, id, filter, { dryRun: o.dryRun ?? false })).message;
    console.log(message);
  });
}
