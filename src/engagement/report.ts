import { parseTracking, type Tracking } from '../audience/tracking.ts';
import type { Db } from '../store/audience.ts';
import type { CampaignRow } from '../store/campaigns.ts';
import { deliveryCounts } from '../store/deliveries.ts';
import {
  campaignLinks,
  clickTotals,
  earlierCampaigns,
  engagedMessages,
  leftBy,
  machineReasons,
  openTotals,
  perHour,
} from '../store/engagement.ts';

export interface LinkStats {
  position: number;
  url: string;
  text: string;
  /** By people: clicks, and messages that clicked it (its unique clickers). */
  clicks: number;
  clickers: number;
  /** By scanners, proxies and other machines: counted apart, never as readers. */
  machineClicks: number;
}

/** One campaign's engagement as `campaign show`, the dashboard and `export-stats` give it. */
export interface Engagement {
  campaignId: number;
  slug: string;
  tracking: Tracking;
  /** Messages the relay accepted. */
  delivered: number;
  /** Messages with at least one click by a person. */
  clickers: number;
  clicks: number;
  machineClicks: number;
  machineWhy: Array<{ why: string; count: number }>;
  /** In the order of the issue. */
  links: LinkStats[];
  /** A person's clicks per hour (UTC), from the first to the last. */
  clicksPerHour: Array<{ hour: string; count: number }>;
  /** With `opens` only: an estimate (images blocked, or fetched by a proxy, change it). */
  opens: {
    messages: number;
    loads: number;
    machine: number;
    machineWhy: Array<{ why: string; count: number }>;
  } | null;
  unsubscribes: number;
  complaints: number;
}

/** The figures the dashboard keeps live (every second): only what they need of the database. */
export interface LiveEngagement {
  clickers: number;
  clicks: number;
  machineClicks: number;
  /** Messages a person opened, when opens are tracked. */
  opened: number | null;
}

export async function liveEngagement(db: Db, c: CampaignRow): Promise<LiveEngagement> {
  const totals = await clickTotals(db, c.id);
  return {
    clickers: await engagedMessages(db, 'clicks', c.id),
    clicks: clicksBy(totals, 0),
    machineClicks: clicksBy(totals, 1),
    opened: parseTracking(c.tracking).opens ? await engagedMessages(db, 'opens', c.id) : null,
  };
}

const clicksBy = (totals: Awaited<ReturnType<typeof clickTotals>>, machine: number): number =>
  totals.filter((t) => t.machine === machine).reduce((a, t) => a + t.clicks, 0);

export async function campaignEngagement(db: Db, c: CampaignRow): Promise<Engagement> {
  const tracking = parseTracking(c.tracking);
  const delivered = (await deliveryCounts(db, c.id)).sent;
  const totals = await clickTotals(db, c.id);
  const links: LinkStats[] = (await campaignLinks(db, c.id)).map((l) => {
    const person = totals.find((t) => t.position === l.position && t.machine === 0);
    const machine = totals.find((t) => t.position === l.position && t.machine === 1);
    return {
      ...l,
      clicks: person?.clicks ?? 0,
      clickers: person?.messages ?? 0,
      machineClicks: machine?.clicks ?? 0,
    };
  });
  const opens = tracking.opens
    ? { ...(await openTotals(db, c.id)), machineWhy: await machineReasons(db, 'opens', c.id) }
    : null;
  return {
    campaignId: c.id,
    slug: c.issue_slug,
    tracking,
    delivered,
    clickers: await engagedMessages(db, 'clicks', c.id),
    clicks: clicksBy(totals, 0),
    machineClicks: clicksBy(totals, 1),
    machineWhy: await machineReasons(db, 'clicks', c.id),
    links,
    clicksPerHour: await perHour(db, 'clicks', c.id),
    opens,
    ...(await leftBy(db, c.id)),
  };
}

/** A share as people read it: `2.4 %`. */
export const percent = (n: number, of: number): string =>
  of ? `${((n / of) * 100).toFixed(1).replace(/\.0$/, '')} %` : '—';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * Clicks over time as a terminal sparkline: one character per hour from the first click, or per day
 * when that would take more than `width` characters.
 */
export function sparkline(perHourRows: ReadonlyArray<{ hour: string; count: number }>, width = 48): string {
  const series = timeSeries(perHourRows, width);
  const most = Math.max(0, ...series.values);
  if (!most) return '';
  return series.values
    .map((v) => (v ? (BARS[Math.min(7, Math.floor((v / most) * 7.999))] ?? '█') : ' '))
    .join('');
}

/** Counts per hour (or per day past `maxBuckets` hours), empty buckets included, from the first. */
export function timeSeries(
  rows: ReadonlyArray<{ hour: string; count: number }>,
  maxBuckets = 48,
): { unit: 'hour' | 'day'; start: string; values: number[] } {
  if (!rows.length) return { unit: 'hour', start: '', values: [] };
  const ms = (h: string) => Date.parse(`${h}:00:00Z`);
  const first = ms((rows[0] as { hour: string }).hour);
  const last = ms((rows.at(-1) as { hour: string }).hour);
  const hours = Math.round((last - first) / 3_600_000) + 1;
  const unit = hours > maxBuckets ? 'day' : 'hour';
  const step = unit === 'hour' ? 3_600_000 : 86_400_000;
  const values = new Array<number>(Math.floor((last - first) / step) + 1).fill(0);
  for (const r of rows) {
    const i = Math.floor((ms(r.hour) - first) / step);
    values[i] = (values[i] ?? 0) + r.count;
  }
  return { unit, start: (rows[0] as { hour: string }).hour, values };
}

/** One numéro of a list, in the comparison with the ones before it. */
export interface NumeroFigures {
  campaignId: number;
  slug: string;
  tracked: boolean;
  delivered: number;
  clickers: number;
  /** Distinct messages whose image a person loaded, when opens were tracked. */
  opened: number | null;
  unsubscribes: number;
  complaints: number;
}

/** This campaign and the list's `n` numéros before it, newest first. */
export async function listComparison(db: Db, c: CampaignRow, n = 5): Promise<NumeroFigures[]> {
  const rows = [
    { id: c.id, issue_slug: c.issue_slug, tracking: c.tracking },
    ...(await earlierCampaigns(db, c.list_id, c.id, n)),
  ];
  const out: NumeroFigures[] = [];
  for (const r of rows) {
    const t = parseTracking(r.tracking);
    out.push({
      campaignId: r.id,
      slug: r.issue_slug,
      tracked: t.clicks !== 'off',
      delivered: (await deliveryCounts(db, r.id)).sent,
      clickers: await engagedMessages(db, 'clicks', r.id),
      opened: t.opens ? await engagedMessages(db, 'opens', r.id) : null,
      ...(await leftBy(db, r.id)),
    });
  }
  return out;
}
