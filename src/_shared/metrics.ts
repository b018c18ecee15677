import { Counter, collectDefaultMetrics, Histogram, Registry, register } from 'prom-client';

/**
 * The process's Prometheus counters (prom-client's default registry), incremented where things
 * happen: the send steps count messages, the membership module counts unsubscribes and complaints.
 * Each process counts what it did itself; `numero serve` adds gauges read from the ledger and the
 * queue at scrape time (src/server/metrics.ts), which are the same whatever process did the work.
 */
let defaults = false;

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  const existing = register.getSingleMetric(name);
  return (existing as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

export const metrics = {
  submitted: counter('numero_messages_submitted_total', 'Messages the SMTP relay accepted (2xx).', [
    'provider',
  ]),
  failed: counter(
    'numero_messages_failed_total',
    'Deliveries that used up their attempts on transient failures (ops may retry them).',
    ['provider'],
  ),
  bounced: counter('numero_messages_bounced_total', 'Deliveries refused for good (5xx), by kind.', [
    'provider',
    'kind',
  ]),
  skipped: counter(
    'numero_messages_skipped_total',
    'Deliveries skipped because the reader left or was suppressed before their turn.',
    ['provider'],
  ),
  retries: counter(
    'numero_delivery_retries_total',
    'Transient failures put back in line for another attempt (4xx, network).',
    ['provider'],
  ),
  throttled: counter(
    'numero_messages_throttled_total',
    'Throttling replies (421/450/451/454 "rate"): the message waited, no attempt used.',
    ['provider'],
  ),
  unsubscribes: counter(
    'numero_unsubscribes_total',
    'Readers who left a list (link, one-click, mailto, cli).',
  ),
  complaints: counter('numero_complaints_total', 'Readers who marked a message as spam.'),
  bouncedReaders: counter(
    'numero_bounced_readers_total',
    'Readers marked bounced on a list and suppressed (hard bounce).',
  ),
  relayOutages: counter(
    'numero_relay_outages_total',
    'Times the SMTP relay breaker opened (transport failure or refused credentials).',
    ['provider', 'kind'],
  ),
  inboundRejected: counter(
    'numero_inbound_reports_unattributed_total',
    'Bounce and complaint reports that named no delivery numero could verify, by reason (bad_mac, unknown_delivery and address_mismatch are forgery attempts: alert on them).',
    ['reason'],
  ),
  opsRetries: counter('numero_ops_retried_deliveries_total', 'Failed deliveries put back in line by ops.'),
  submitSeconds:
    (register.getSingleMetric('numero_smtp_submit_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'numero_smtp_submit_seconds',
      help: 'Time from handing a message to the SMTP pool to its reply.',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
};

export function countMembershipChange(kind: 'unsubscribed' | 'bounced' | 'complained'): void {
  if (kind === 'unsubscribed') metrics.unsubscribes.inc();
  else if (kind === 'complained') metrics.complaints.inc();
  else metrics.bouncedReaders.inc();
}

/** Default process metrics (CPU, memory, event loop lag, handles), registered once per process. */
export function enableProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ prefix: 'numero_' });
}

/** The text a scrape gets: this process's counters, plus any registry of gauges given. */
export async function metricsText(...extra: Registry[]): Promise<{ contentType: string; body: string }> {
  const merged = extra.length ? Registry.merge([register, ...extra]) : register;
  return { contentType: register.contentType, body: await merged.metrics() };
}
