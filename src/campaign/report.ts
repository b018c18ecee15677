import type { Db } from '../store/audience.ts';
import { bouncedByCampaign, findListById } from '../store/audience.ts';
import { type CampaignRow, campaignById, recentCampaigns } from '../store/campaigns.ts';
import { attemptsHistogram, deliveryCounts, type StatusCounts } from '../store/deliveries.ts';
import { type BounceReportRow, bounceCounts, bounceReportsPage } from '../store/inbound.ts';
import { domainOf, replyKey, scanDeliveries } from './failures.ts';

/** Progress of one campaign as every surface shows it (CLI, dashboard, metrics). */
export interface Progress {
  campaign: CampaignRow;
  listName: string;
  counts: StatusCounts;
  /** pending + sending + retrying */
  remaining: number;
}

export async function campaignProgress(db: Db, campaign: CampaignRow): Promise<Progress> {
  const counts = await deliveryCounts(db, campaign.id);
  const list = await findListById(db, campaign.list_id);
  return {
    campaign,
    listName: list?.name ?? String(campaign.list_id),
    counts,
    remaining: counts.pending + counts.sending + counts.retrying,
  };
}

/** The most recent campaigns, newest first, with their progress. */
export async function recentProgress(db: Db, limit = 20): Promise<Progress[]> {
  const out: Progress[] = [];
  for (const c of await recentCampaigns(db, limit)) out.push(await campaignProgress(db, c));
  return out;
}

/** Failures that share a status, a reply code and a reply text (addresses masked). */
export interface ReplyGroup {
  status: 'failed' | 'bounced' | 'retrying';
  code: number | null;
  text: string;
  count: number;
  examples: string[];
}

export interface DomainGroup {
  domain: string;
  count: number;
  /** Of which `failed` (what a retry would take). */
  failed: number;
  examples: string[];
}

export interface CampaignReport extends Progress {
  byReply: ReplyGroup[];
  byDomain: DomainGroup[];
  /** [attempts, deliveries] for every delivery that was tried. */
  attempts: Array<[number, number]>;
  /** Why it paused (by the operator, or numero's own reason), when it is paused. */
  pausedBecause: string | null;
  /** What came back for it: reports per kind (and the readers they named), the latest few. */
  returned: { byKind: Array<{ kind: string; reports: number; readers: number }>; recent: BounceReportRow[] };
  /** The readers it marked bounced (suppressed), grouped by the status code of the reply. */
  markedBounced: Array<{ code: string | null; count: number; example: string }>;
}

const EXAMPLES = 3;

/** `numero campaign show` and the dashboard's campaign page: totals, failures grouped two ways, attempts. */
export async function campaignReport(db: Db, id: number): Promise<CampaignReport | null> {
  const campaign = await campaignById(db, id);
  if (!campaign) return null;
  const byReply = new Map<string, ReplyGroup>();
  const byDomain = new Map<string, DomainGroup>();
  await scanDeliveries(db, id, ['failed', 'bounced', 'retrying'], (r) => {
    const status = r.status as ReplyGroup['status'];
    const text = replyKey(r.smtp_response);
    const rk = `${status}\u0000${r.smtp_code ?? ''}\u0000${text}`;
    const g = byReply.get(rk) ?? { status, code: r.smtp_code, text, count: 0, examples: [] };
    g.count++;
    if (g.examples.length < EXAMPLES) g.examples.push(r.email);
    byReply.set(rk, g);
    const domain = domainOf(r.email);
    const d = byDomain.get(domain) ?? { domain, count: 0, failed: 0, examples: [] };
    d.count++;
    if (status === 'failed') d.failed++;
    if (d.examples.length < EXAMPLES) d.examples.push(r.email);
    byDomain.set(domain, d);
  });
  const order = <T extends { count: number }>(m: Map<string, T>) =>
    [...m.values()].sort((a, b) => b.count - a.count);
  return {
    ...(await campaignProgress(db, campaign)),
    byReply: order(byReply),
    byDomain: order(byDomain),
    attempts: await attemptsHistogram(db, id),
    pausedBecause: campaign.state === 'paused' ? campaign.state_reason : null,
    returned: {
      byKind: await bounceCounts(db, id),
      recent: await bounceReportsPage(db, { campaignId: id, limit: 10 }),
    },
    markedBounced: await markedBounced(db, id),
  };
}

const STATUS = /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)/;

async function markedBounced(db: Db, id: number): Promise<CampaignReport['markedBounced']> {
  const groups = new Map<string, { code: string | null; count: number; example: string }>();
  for (const s of await bouncedByCampaign(db, id)) {
    const code = STATUS.exec(s.detail ?? '')?.[1] ?? null;
    const g = groups.get(code ?? '') ?? { code, count: 0, example: (s.detail ?? '').slice(0, 200) };
    g.count++;
    groups.set(code ?? '', g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
