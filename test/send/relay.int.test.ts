import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlCampaign, queueCampaign } from '../../src/cli/send-run.ts';
import { loadConfig } from '../../src/config.ts';
import { campaignById } from '../../src/store/campaigns.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { numero } from '../helpers/cli.ts';
import { until } from '../helpers/ops.ts';
import { type RelayProxy, startRelayProxy } from '../helpers/relay-proxy.ts';
import { createHarness, type Harness, ISSUE, receivedPerReader } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let proxy: RelayProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await h?.dispose();
  h = undefined;
  proxy = undefined;
});

const send = (harness: Harness, smtpUrl: string) =>
  queueCampaign(loadConfig({ ...harness.env, SMTP_URL: smtpUrl }), {
    file: path.relative(process.cwd(), ISSUE),
    list: 'lecteurs',
    at: null,
    again: false,
  });

const everyoneOnce = (harness: Harness, n: number) => {
  const per = receivedPerReader(harness.sink);
  expect(per.size).toBe(n);
  expect([...per.values()].every((c) => c === 1)).toBe(true);
};

describe('the relay is the sender’s problem, never the reader’s (real SMTP servers)', () => {
  it('numero send refuses before queuing when the relay rejects our credentials', async () => {
    h = await createHarness({ readers: 10, sink: { auth: () => false } });
    const url = h.sink.url.replace('smtp://', 'smtp://numero:wrong@');
    await expect(send(h, url)).rejects.toThrow(
      /^the SMTP relay smtp:\/\/127\.0\.0\.1:\d+ refused us: .*535.*Nothing was queued; check SMTP_URL\.$/s,
    );
    expect(await h.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
    expect(await h.store.db.selectFrom('deliveries').selectAll().execute()).toEqual([]);
    // numero doctor says the same, and which checks pass.
    const doctor = await numero(['doctor'], { ...h.env, SMTP_URL: url });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^ok {4}database: sqlite:/m);
    expect(doctor.stdout).toMatch(/^ok {4}redis: 127\.0\.0\.1:\d+$/m);
    expect(doctor.stdout).toMatch(/^FAIL {2}smtp relay: .*535/m);
    const fine = await numero(['doctor'], h.env); // the harness's SMTP server without AUTH
    expect(fine.stdout).toMatch(/^ok {4}smtp relay: smtp:\/\/127\.0\.0\.1:\d+: connected$/m);
  });

  it('credentials refused mid-campaign pause it with the reason, change no delivery; fixed and resumed, everyone gets it once', async () => {
    let accept = true;
    h = await createHarness({
      readers: 400,
      sink: { auth: (u, p) => accept && u === 'numero' && p === 's3cret', delayMs: 3 },
      // Short sessions, so the relay's change is met on the next login.
      env: { SMTP_MESSAGES_PER_CONNECTION: '10', SEND_CONCURRENCY: '2' },
    });
    const url = h.sink.url.replace('smtp://', 'smtp://numero:s3cret@');
    const queued = await send(h, url);
    await queued.close();
    await h.startWorker({ SMTP_URL: url });
    await h.sink.waitFor(60);
    accept = false;
    await h.waitForState(queued.campaign.id, ['paused'], 20_000);
    const c = await campaignById(h.store.db, queued.campaign.id);
    expect(c?.state_reason).toMatch(
      /^paused by numero: SMTP authentication failed \(.*535.*\): fix SMTP_URL, then numero campaign resume \d+$/,
    );
    const store = h.store;
    await until(
      'claimed rows given back',
      async () => (await deliveryCounts(store.db, queued.campaign.id)).sending === 0,
    );
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts).toMatchObject({ bounced: 0, failed: 0, retrying: 0, skipped: 0 });
    expect(counts.sent).toBe(h.sink.messages.length);
    expect(counts.pending).toBe(400 - counts.sent);

    accept = true; // the password is fixed on the relay's side
    await controlCampaign(h.config, 'resume', queued.campaign.id);
    await h.waitForState(queued.campaign.id, ['sent'], 60_000);
    everyoneOnce(h, 400);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({
      sent: 400,
      failed: 0,
      bounced: 0,
    });
  });

  it('a relay down for 20 s mid-campaign: nobody fails, one probe at a time from two workers, the wait is shown, everyone once', async () => {
    h = await createHarness({
      readers: 600,
      sink: { delayMs: 3 },
      env: { SEND_MAX_ATTEMPTS: '2', SEND_RETRY_BASE_MS: '100' },
    });
    proxy = await startRelayProxy(h.sink);
    const queued = await send(h, proxy.url);
    await queued.close();
    await h.startWorker({ SMTP_URL: proxy.url });
    await h.startWorker({ SMTP_URL: proxy.url });
    await h.sink.waitFor(150);

    const started = Date.now();
    await proxy.set('refuse'); // connections refused: nothing listens
    const store = h.store;
    await until('the wait to show on the campaign', async () =>
      Boolean(
        (await campaignById(store.db, queued.campaign.id))?.state_reason?.startsWith(
          'waiting for the SMTP relay since',
        ),
      ),
    );
    // Halfway, the relay accepts connections and drops them before its greeting: each one is counted.
    while (Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 250));
    await proxy.set('reset');
    while (Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 250));
    const probes = proxy.resets;
    await proxy.set('up');

    await h.waitForState(queued.campaign.id, ['sent'], 90_000);
    // Cutting the relay's connections loses the replies to the messages in flight at that instant
    // (the relay may have taken them): those, and only those, can arrive twice (RFC 1047's window).
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(600);
    const twice = [...per.values()].filter((n) => n > 1).length;
    expect([...per.values()].every((n) => n <= 2)).toBe(true);
    expect(twice).toBeLessThanOrEqual(2 * 5); // two workers × SMTP_POOL_SIZE connections in flight
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({
      sent: 600,
      failed: 0,
      bounced: 0,
    });
    // Backoff 1 s, 2 s, 4 s, 8 s… under one lock: a handful of probes in 10 s, not a storm.
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(6);
    expect((await campaignById(h.store.db, queued.campaign.id))?.state_reason).toBeNull();
  }, 120_000);
});
