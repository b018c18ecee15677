import type { Transporter } from 'nodemailer';
import type { Newsletter } from '../content/data.ts';
import { unsubscribeLinks } from '../events/list-unsubscribe.ts';
import type { CompiledIssue } from '../render/compile.ts';
import { Personalizer } from '../render/personalize.ts';
import { type Db, findListById, insertEvents, suppress, transitionMembership } from '../store/audience.ts';
import {
  type CampaignRow,
  type Claimable,
  campaignById,
  claimDeliveries,
  type DeliveryOutcome,
  type DeliveryToSend,
  deliveriesToSend,
  deliveryCounts,
  markSkipped,
  moveCampaign,
  policyRejections,
  recordOutcomes,
} from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { classifySmtpError } from './classify.ts';
import { buildMessage } from './message.ts';

/** What sending needs from the rest of the system; the worker supplies it. */
export interface SendDeps {
  store: Store;
  transport: Pick<Transporter, 'sendMail'>;
  limiter: { acquire(): Promise<void>; penalize(ms: number): Promise<void> };
  scheduleRetry(campaignId: number, deliveryId: number, attempt: number, delayMs: number): Promise<void>;
  retryDelayMs(attempt: number): number;
  newsletter: Newsletter;
  settings: {
    secret: string;
    publicUrl: string;
    mailtoDomain: string | null;
    bounceDomain: string;
    messageDomain: string;
    /** Messages of one job in flight at once. */
    concurrency: number;
    maxAttempts: number;
    /** Outcomes are written every this many messages (and at the end). */
    flushEvery: number;
    throttleWaitMs: number;
    /** A row left `sending` longer than this belongs to a dead run (the queue's lock period). */
    staleClaimMs: number;
    policyPauseShare: number;
    policyMinAttempts: number;
  };
  log(event: string, fields: Record<string, unknown>): void;
}

export type JobResult =
  | { kind: 'done'; sent: number; skipped: number; retrying: number; bounced: number; failed: number }
  | { kind: 'paused' }
  | { kind: 'throttled'; waitMs: number };

interface CampaignContext {
  row: CampaignRow;
  listName: string;
  personalizer: Personalizer;
}

const cache = new Map<number, CampaignContext>();

async function campaignContext(store: Store, campaignId: number): Promise<CampaignContext | null> {
  const row = await campaignById(store.db, campaignId);
  if (!row) return null;
  const cached = cache.get(campaignId);
  if (cached) {
    cached.row = row; // state may have changed
    return cached;
  }
  const list = await findListById(store.db, row.list_id);
  const ctx = {
    row,
    listName: list?.name ?? `list-${row.list_id}`,
    // Render once per campaign and worker: the compiled issue stored at creation, executed per reader.
    personalizer: new Personalizer(JSON.parse(row.compiled) as CompiledIssue),
  };
  cache.set(campaignId, ctx);
  return ctx;
}

/**
 * Sends what is missing of one batch (or one retried delivery). The ledger decides: rows already
 * sent are never touched; rows are claimed (pending → sending) before any SMTP traffic; readers who
 * unsubscribed or were suppressed since the campaign was created are skipped; outcomes are written
 * in a few transactions per batch.
 */
export async function sendDeliveries(
  deps: SendDeps,
  job: { campaignId: number } & ({ batch: number } | { deliveryId: number }),
): Promise<JobResult> {
  const { store, settings } = deps;
  const ctx = await campaignContext(store, job.campaignId);
  if (!ctx || ctx.row.state === 'cancelled' || ctx.row.state === 'sent') {
    return { kind: 'done', sent: 0, skipped: 0, retrying: 0, bounced: 0, failed: 0 };
  }
  if (ctx.row.state === 'paused') return { kind: 'paused' };
  await moveCampaign(store.db, ctx.row.id, 'sending');

  const isRetry = 'deliveryId' in job;
  const where = isRetry ? { deliveryId: job.deliveryId } : { batchNo: job.batch };
  // A re-run (worker died, Redis lost the job) also takes the rows an earlier, dead run had claimed.
  const claimable: Claimable = {
    status: isRetry ? 'retrying' : 'pending',
    staleBefore: new Date(Date.now() - settings.staleClaimMs).toISOString(),
  };
  const rows = await deliveriesToSend(store.db, ctx.row.id, ctx.row.list_id, where, claimable);

  const gone = rows.filter((r) => r.membership !== 'active' || r.suppressed !== null);
  await markSkipped(
    store.db,
    gone.map((r) => r.id),
    'reader no longer active or suppressed',
  );
  const toSend = rows.filter((r) => r.membership === 'active' && r.suppressed === null);
  const claimed = new Set(
    await claimDeliveries(
      store.db,
      toSend.map((r) => r.id),
      claimable,
    ),
  );
  const queue = toSend.filter((r) => claimed.has(r.id));

  const result = { kind: 'done' as const, sent: 0, skipped: gone.length, retrying: 0, bounced: 0, failed: 0 };
  let pending: DeliveryOutcome[] = [];
  /** Written in the same transaction as the outcomes. */
  const dbEffects: Array<(trx: Db) => Promise<void>> = [];
  /** Done once that transaction has committed (Redis). */
  const afterCommit: Array<() => Promise<void>> = [];
  let throttledMs = 0;
  let policyBounces = 0;

  const flush = async () => {
    const outcomes = pending;
    const effects = dbEffects.splice(0);
    const later = afterCommit.splice(0);
    pending = [];
    if (outcomes.length || effects.length) {
      await store.db.transaction().execute(async (trx) => {
        await recordOutcomes(trx, outcomes);
        for (const e of effects) await e(trx);
      });
    }
    for (const f of later) await f();
  };

  const sendOne = async (d: DeliveryToSend) => {
    if (throttledMs) {
      pending.push({ id: d.id, status: 'pending', refundAttempt: true });
      return;
    }
    const attempt = d.attempts + 1;
    const links = unsubscribeLinks(
      { listId: ctx.row.list_id, subscriberId: d.subscriber_id, campaignId: String(ctx.row.id) },
      { secret: settings.secret, publicUrl: settings.publicUrl, mailtoDomain: settings.mailtoDomain },
    );
    const attributes = JSON.parse(d.attributes) as Record<string, unknown>;
    const [firstName, ...rest] = (d.name ?? '').trim().split(/\s+/);
    const content = ctx.personalizer.fill(
      {
        email: d.email,
        firstName: firstName || undefined,
        lastName: rest.join(' ') || undefined,
        attributes,
      },
      {
        unsubscribeUrl: links.url,
        browserUrl: `${settings.publicUrl}/issues/${encodeURIComponent(ctx.row.issue_slug)}`,
      },
    );
    const message = buildMessage({
      campaignId: ctx.row.id,
      deliveryId: d.id,
      subscriberId: d.subscriber_id,
      listName: ctx.listName,
      from: deps.newsletter.from,
      to: { name: d.name, address: d.email },
      content,
      unsubscribe: links,
      domain: settings.messageDomain,
      bounceDomain: settings.bounceDomain,
    });
    await deps.limiter.acquire();
    try {
      const info = await deps.transport.sendMail({ envelope: message.envelope, raw: message.raw });
      pending.push({
        id: d.id,
        status: 'sent',
        messageId: message.messageId,
        response: String(info.response ?? ''),
      });
      result.sent++;
      deps.log('delivery.sent', { campaignId: ctx.row.id, deliveryId: d.id, messageId: message.messageId });
    } catch (e) {
      const verdict = classifySmtpError(e as Error & { responseCode?: number; response?: string });
      const base = {
        campaignId: ctx.row.id,
        deliveryId: d.id,
        messageId: message.messageId,
        code: verdict.code,
        response: verdict.text,
      };
      if (verdict.kind === 'throttled') {
        throttledMs = settings.throttleWaitMs;
        await deps.limiter.penalize(throttledMs);
        pending.push({
          id: d.id,
          status: 'pending',
          refundAttempt: true,
          code: verdict.code,
          response: verdict.text,
        });
        deps.log('delivery.throttled', base);
      } else if (verdict.kind === 'permanent') {
        pending.push({ id: d.id, status: 'bounced', code: verdict.code, response: verdict.text });
        result.bounced++;
        if (verdict.policy) policyBounces++;
        if (verdict.suppress) {
          dbEffects.push(async (trx) => {
            await suppress(trx, d.email_normalized, 'bounced', verdict.text);
            await transitionMembership(trx, ctx.row.list_id, d.subscriber_id, ['active'], 'bounced');
            await insertEvents(trx, [
              {
                type: 'bounced',
                list_id: ctx.row.list_id,
                subscriber_id: d.subscriber_id,
                campaign_id: String(ctx.row.id),
                reason: verdict.text.slice(0, 200),
              },
            ]);
          });
        }
        deps.log('delivery.bounced', base);
      } else if (attempt >= settings.maxAttempts) {
        pending.push({ id: d.id, status: 'failed', code: verdict.code, response: verdict.text });
        result.failed++;
        deps.log('delivery.failed', base);
      } else {
        const delay = deps.retryDelayMs(attempt);
        pending.push({
          id: d.id,
          status: 'retrying',
          code: verdict.code,
          response: verdict.text,
          nextAttemptAt: new Date(Date.now() + delay).toISOString(),
        });
        result.retrying++;
        afterCommit.push(() => deps.scheduleRetry(ctx.row.id, d.id, attempt + 1, delay));
        deps.log('delivery.retrying', { ...base, attempt, delayMs: delay });
      }
    }
    if (pending.length >= settings.flushEvery) await flush();
  };

  // Bounded concurrency: `concurrency` messages of this job in flight at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(settings.concurrency, queue.length) }, async () => {
      while (next < queue.length) {
        const d = queue[next++];
        if (d) await sendOne(d);
      }
    }),
  );
  await flush();

  if (policyBounces) await pauseOnPolicyRejections(deps, ctx.row.id);
  if (throttledMs) return { kind: 'throttled', waitMs: throttledMs };
  await completeIfDone(store, ctx.row.id);
  return result;
}

/** sending → sent once no delivery is left to try. */
export async function completeIfDone(store: Store, campaignId: number): Promise<boolean> {
  const c = await deliveryCounts(store.db, campaignId);
  if (c.pending + c.sending + c.retrying > 0) return false;
  return moveCampaign(store.db, campaignId, 'sent');
}

/** 5.7.x rejections are the sender's problem (authentication, reputation): past a share, stop and say why. */
async function pauseOnPolicyRejections(deps: SendDeps, campaignId: number): Promise<void> {
  const { attempted, policy } = await policyRejections(deps.store.db, campaignId);
  if (attempted >= deps.settings.policyMinAttempts && policy / attempted > deps.settings.policyPauseShare) {
    const reason = `paused by numero: ${policy} of ${attempted} attempts (${Math.round((policy / attempted) * 100)} %) were refused for policy or authentication (SMTP 5.7.x); check SPF, DKIM and DMARC, then resume`;
    if (await moveCampaign(deps.store.db, campaignId, 'paused', reason))
      deps.log('campaign.paused', { campaignId, reason });
  }
}
