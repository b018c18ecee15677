import { Queue } from 'bullmq';
import cliProgress from 'cli-progress';
import { createCampaign } from '../campaign/create.ts';
import { checkIssue, hasErrors } from '../check/check.ts';
import type { Config } from '../config.ts';
import { loadContext } from '../content/load.ts';
import { InvalidFileError, NumeroError } from '../errors.ts';
import { enqueueBatches } from '../queue/enqueue.ts';
import { queueName } from '../queue/jobs.ts';
import { redisConnection, resolveRedis } from '../queue/redis.ts';
import { findListById, requireList } from '../store/audience.ts';
import {
  type CampaignRow,
  campaignById,
  deliveryCounts,
  markSkippedPending,
  moveCampaign,
  recentCampaigns,
  requeueFailed,
} from '../store/campaigns.ts';
import { openStore, type Store } from '../store/db.ts';

export interface Queued {
  store: Store;
  campaign: CampaignRow;
  close(): Promise<void>;
}

/** `numero send` up to the queue: check, render once, snapshot, enqueue. Nothing is queued on error. */
export async function queueCampaign(
  cfg: Config,
  o: { file: string; list: string; at: Date | null; again: boolean },
): Promise<Queued> {
  const report = await checkIssue(o.file, loadContext(cfg), cfg);
  if (hasErrors(report)) {
    throw new InvalidFileError(
      'ISSUE_INVALID',
      report.diagnostics.filter((d) => d.severity === 'error'),
    );
  }
  const store = await openStore(cfg);
  try {
    const list = await requireList(store.db, o.list);
    const campaign = await createCampaign(store, {
      file: o.file,
      report,
      list,
      batchSize: cfg.send.batchSize,
      provider: cfg.send.provider,
      scheduledAt: o.at,
      again: o.again,
    });
    const redis = await resolveRedis(cfg);
    const connection = redisConnection(redis.url);
    const queue = new Queue(queueName(campaign.provider), { connection });
    try {
      const delay = o.at ? Math.max(0, o.at.getTime() - Date.now()) : 0;
      const batches = Array.from({ length: campaign.batches }, (_, i) => i + 1);
      await enqueueBatches(queue, campaign.id, batches, delay);
      await moveCampaign(store.db, campaign.id, campaign.total === 0 ? 'sent' : 'queued');
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const when = o.at ? ` for ${o.at.toISOString()}` : '';
    console.log(
      `campaign ${campaign.id}: ${campaign.total} reader(s) of ${list.name} in ${campaign.batches} batch(es) of ${campaign.batch_size}, queued${when} on ${redis.description}`,
    );
    return {
      store,
      campaign: (await campaignById(store.db, campaign.id)) ?? campaign,
      close: async () => {
        await store.close();
        await redis.stop();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Shows sent / failed / remaining with the rate until the campaign ends. Ctrl-C leaves it running. */
export async function followCampaign(store: Store, id: number): Promise<void> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            'campaign {id} [{bar}] {sent} sent | {failed} failed | {remaining} remaining | {rate} msg/s',
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
      const n = await deliveryCounts(store.db, id);
      const failed = n.failed + n.bounced;
      const remaining = n.pending + n.sending + n.retrying;
      const rate = Math.round(n.sent / Math.max(0.001, (Date.now() - started) / 1000));
      const values = { id, sent: n.sent, failed, remaining, rate };
      if (bar) {
        if (!bar.isActive) bar.start(Math.max(1, c.total), 0, values);
        bar.update(c.total - remaining, values);
      } else if (Date.now() - lastLine > 2_000 || remaining === 0) {
        console.log(
          `campaign ${id}: ${n.sent} sent, ${failed} failed, ${n.skipped} skipped, ${remaining} remaining (${rate} msg/s)`,
        );
        lastLine = Date.now();
      }
      if (['sent', 'cancelled', 'paused'].includes(c.state) || interrupted) {
        bar?.stop();
        if (interrupted) console.log(`left campaign ${id} running; follow it with: numero campaigns`);
        else console.log(`campaign ${id} ${c.state}${c.state_reason ? `: ${c.state_reason}` : ''}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    process.removeListener('SIGINT', onInt);
  }
}

export async function printCampaigns(cfg: Config): Promise<void> {
  const store = await openStore(cfg);
  try {
    const rows = await recentCampaigns(store.db);
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
    for (const c of rows) {
      const n = await deliveryCounts(store.db, c.id);
      const list = await findListById(store.db, c.list_id);
      const cells = [
        c.id,
        c.issue_slug,
        list?.name ?? c.list_id,
        c.state,
        c.total,
        n.sent,
        n.failed,
        n.bounced,
        n.skipped,
        n.pending + n.sending + n.retrying,
      ];
      console.log(cells.map((v, i) => String(v).padEnd(i === 1 ? 28 : 10)).join(''));
      if (c.state_reason) console.log(`    ${c.state_reason}`);
    }
  } finally {
    await store.close();
  }
}

/** Operator controls: state changes only; the workers' reconciler picks them up within seconds. */
export async function controlCampaign(
  cfg: Config,
  action: 'pause' | 'resume' | 'cancel' | 'retry',
  id: number,
): Promise<void> {
  const store = await openStore(cfg);
  try {
    const c = await campaignById(store.db, id);
    if (!c) throw new NumeroError('USAGE', `no campaign ${id}`);
    let moved = false;
    let note = '';
    if (action === 'pause') moved = await moveCampaign(store.db, id, 'paused', 'paused by the operator');
    if (action === 'resume') moved = await moveCampaign(store.db, id, 'queued');
    if (action === 'cancel') {
      moved = await moveCampaign(store.db, id, 'cancelled', 'cancelled by the operator');
      if (moved)
        note = `, ${await markSkippedPending(store.db, id, 'campaign cancelled')} unsent deliveries skipped`;
    }
    if (action === 'retry') {
      const n = await requeueFailed(store.db, id);
      note = `, ${n} failed deliveries back in line`;
      moved = n > 0 && (c.state !== 'sent' || (await moveCampaign(store.db, id, 'queued')));
    }
    if (!moved && action !== 'retry')
      throw new NumeroError('USAGE', `campaign ${id} is ${c.state}: cannot ${action} it`);
    console.log(`campaign ${id}: ${action} done${note}`);
  } finally {
    await store.close();
  }
}
