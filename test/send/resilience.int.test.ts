import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { dkimVerify } from 'mailauth';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import {
  createHarness,
  duplicates,
  type Harness,
  receivedPerReader,
  sendIssue,
} from '../helpers/send-harness.ts';
import { BACKENDS } from '../helpers/stores.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const send = sendIssue;

/** Acceptances Redis holds that the ledger has not written yet (src/send/accepted.ts). */
async function acceptedInRedis(harness: Harness, campaignId: number): Promise<number> {
  const r = new Redis(harness.redis.url);
  try {
    return await r.hlen(`numero:accepted:c${campaignId}`);
  } finally {
    r.disconnect();
  }
}

async function until(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('sending survives crashes and misbehaving servers, on %s', (backend) => {
  it('signs every message with DKIM covering List-Unsubscribe and List-Unsubscribe-Post, verifiable with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(fs.mkdtempSync('/tmp/numero-dkim-'), 'dkim.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    h = await createHarness({
      backend,
      readers: 20,
      env: { DKIM_DOMAIN: 'bruxelles-korner.example', DKIM_SELECTOR: 'numero', DKIM_PRIVATE_KEY: keyFile },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker({
      DKIM_DOMAIN: 'bruxelles-korner.example',
      DKIM_SELECTOR: 'numero',
      DKIM_PRIVATE_KEY: keyFile,
    });
    await h.waitForState(queued.campaign.id, ['sent']);
    const p = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 'numero._domainkey.bruxelles-korner.example')
        return [[`v=DKIM1; k=rsa; p=${p}`]];
      throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
    };
    expect(h.sink.messages).toHaveLength(20);
    for (const m of h.sink.messages) {
      const { results } = await dkimVerify(m.raw, { resolver });
      const sig = results[0];
      expect(sig?.status.result).toBe('pass');
      expect(sig?.signingDomain).toBe('bruxelles-korner.example');
      const signed = String(
        (sig as { signingHeaders?: { keys?: string } } | undefined)?.signingHeaders?.keys ?? '',
      )
        .toLowerCase()
        .split(': ')
        .join(':')
        .split(':');
      expect(signed).toContain('list-unsubscribe');
      expect(signed).toContain('list-unsubscribe-post');
    }
  });

  it('a worker killed with SIGKILL mid-send and restarted: everyone gets it, duplicates only among the messages in flight', async () => {
    // Batches of 300 and a ledger that would catch up only every 300 outcomes or 60 s: at the kill
    // nothing accepted is in the database yet, only in Redis. Without the accepted log every
    // message sent so far (≥ 100) would go again; with it, at most the SEND_IN_FLIGHT (6) in flight.
    const IN_FLIGHT = 6;
    h = await createHarness({
      backend,
      readers: 600,
      sink: { delayMs: 15 },
      env: {
        BATCH_SIZE: '300',
        SEND_LOCK_MS: '2000',
        SEND_IN_FLIGHT: String(IN_FLIGHT),
        LEDGER_FLUSH_EVERY: '300',
        LEDGER_FLUSH_MS: '60000',
      },
    });
    const queued = await send(h);
    await queued.close();
    const first = h.spawnWorker();
    await until('100 messages', () => (h?.sink.messages.length ?? 0) >= 100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const acceptedBeforeKill = h.sink.messages.length;
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    // What the relay took is recorded in Redis only: the database has none of it yet.
    expect(counts.sent).toBe(0);
    expect(await acceptedInRedis(h, queued.campaign.id)).toBeGreaterThanOrEqual(
      acceptedBeforeKill - IN_FLIGHT,
    );

    h.spawnWorker({ RECONCILE_INTERVAL_MS: '250', LEDGER_FLUSH_EVERY: '100', LEDGER_FLUSH_MS: '1000' });
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(600);
    expect(duplicates(per)).toBeLessThanOrEqual(IN_FLIGHT);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({
      sent: 600,
      sending: 0,
      pending: 0,
    });
    // Every row written as sent carries the Message-ID the reader received.
    const rows = await h.store.db
      .selectFrom('deliveries')
      .select(['message_id'])
      .where('campaign_id', '=', queued.campaign.id)
      .execute();
    const received = new Set(h.sink.messages.map((m) => m.parsed.messageId));
    expect(rows.every((r) => received.has(r.message_id ?? ''))).toBe(true);
    expect(await acceptedInRedis(h, queued.campaign.id)).toBe(0); // Redis forgot what the ledger holds
  }, 180_000);

  it('three workers on one campaign, one killed with SIGKILL: every reader exactly once, duplicates only among its messages in flight', async () => {
    const IN_FLIGHT = 6;
    h = await createHarness({
      backend,
      readers: 1500,
      sink: { delayMs: 10 },
      env: { SEND_LOCK_MS: '2000', SEND_IN_FLIGHT: String(IN_FLIGHT), RECONCILE_INTERVAL_MS: '250' },
    });
    const queued = await send(h);
    await queued.close();
    const workers = [h.spawnWorker(), h.spawnWorker(), h.spawnWorker()];
    await until('300 messages', () => (h?.sink.messages.length ?? 0) >= 300);
    const victim = workers[1];
    victim?.kill('SIGKILL');
    await new Promise((r) => victim?.once('exit', r));
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(1500);
    expect(duplicates(per)).toBeLessThanOrEqual(IN_FLIGHT);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({ sent: 1500, sending: 0 });
    for (const w of [workers[0], workers[2]]) expect(w?.exitCode).toBeNull(); // the others kept going
  }, 180_000);

  it('never takes a row another live job is sending; takes it once its claim is older than the lock', async () => {
    h = await createHarness({ backend, readers: 40, env: { SEND_LOCK_MS: '3000' } });
    const queued = await send(h);
    await queued.close();
    const target = h.readers[5];
    if (!target) throw new Error('no reader');
    const claimedAt = Date.now();
    // As if a retry job elsewhere were sending to this reader right now.
    await h.store.db
      .updateTable('deliveries')
      .set({ status: 'sending', attempts: 1, claimed_at: new Date(claimedAt).toISOString() })
      .where('subscriber_id', '=', target.id)
      .execute();
    await h.startWorker({ SEND_LOCK_MS: '3000' });
    await h.waitForState(queued.campaign.id, ['sent']);
    const mine = h.sink.messages.filter((m) => m.envelope.to[0] === target.email);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.at).toBeGreaterThanOrEqual(claimedAt + 3000);
    expect(receivedPerReader(h.sink).size).toBe(40);
  }, 120_000);

  it('on SIGTERM a worker finishes its in-flight messages and records them before it exits', async () => {
    h = await createHarness({ backend, readers: 300, sink: { delayMs: 15 } });
    const queued = await send(h);
    await queued.close();
    const worker = h.spawnWorker();
    await until('60 messages', () => (h?.sink.messages.length ?? 0) >= 60);
    worker.kill('SIGTERM');
    const code = await new Promise((r) => worker.once('exit', r));
    expect(code).toBe(0);
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts.sending).toBe(0); // nothing left claimed-but-unrecorded
    expect(counts.sent).toBe(h.sink.messages.length);
  }, 120_000);

  it('completes the campaign when Redis restarts mid-send and loses every job', async () => {
    h = await createHarness({ backend, readers: 500, sink: { delayMs: 10 } });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await until('150 messages', () => (h?.sink.messages.length ?? 0) >= 150);
    await h.restartRedis(); // no persistence: the queue comes back empty
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(500);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
  }, 180_000);

  it('waits out 454 throttling without dropping anything, and two workers together stay within the rate limit', async () => {
    const RATE = 40;
    let throttleFrom = Number.POSITIVE_INFINITY;
    h = await createHarness({
      backend,
      readers: 320,
      env: { SEND_RATE_LIMIT: String(RATE), SEND_THROTTLE_WAIT_MS: '1000' },
      sink: {
        behaviour: () => {
          const now = Date.now();
          return now >= throttleFrom && now < throttleFrom + 1500
            ? { code: 454, message: '4.7.0 Throttling: too many messages, slow down' }
            : null;
        },
      },
    });
    const queued = await send(h);
    await queued.close();
    await h.startWorker();
    await h.startWorker();
    await until('40 messages', () => (h?.sink.messages.length ?? 0) >= 40);
    throttleFrom = Date.now();
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);

    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(320);
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    const refused = [...h.sink.attempts.values()].reduce((a, n) => a + n, 0) - 320;
    expect(refused).toBeGreaterThan(0); // the throttling did happen
    const counts = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(counts).toMatchObject({ sent: 320, failed: 0, bounced: 0 });

    // Accepted messages in any 5-second window: at most the limit + 10 %.
    const times = h.sink.messages.map((m) => m.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] ?? 0) - (times[j] ?? 0) >= 5_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(RATE * 5 * 1.1);
  }, 180_000);
});
