import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dkimVerify } from 'mailauth';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { createHarness, type Harness, receivedPerReader, sendIssue } from '../helpers/send-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const send = sendIssue;

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

describe('sending survives crashes and misbehaving servers', () => {
  it('signs every message with DKIM covering List-Unsubscribe and List-Unsubscribe-Post, verifiable with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(fs.mkdtempSync('/tmp/numero-dkim-'), 'dkim.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    h = await createHarness({
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

  it('a worker killed with SIGKILL mid-send and restarted: everyone gets it, duplicates within the in-flight bound', async () => {
    h = await createHarness({ readers: 600, sink: { delayMs: 15 }, env: { SEND_LOCK_MS: '2000' } });
    const queued = await send(h);
    await queued.close();
    const first = h.spawnWorker();
    await until('200 messages', () => h?.sink.messages.length !== undefined && h.sink.messages.length >= 200);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // In flight at the kill: claimed for SMTP, outcome not recorded. Only these may be sent twice.
    const inFlight = (await deliveryCounts(h.store.db, queued.campaign.id)).sending;
    expect(inFlight).toBeGreaterThan(0);
    h.spawnWorker({ RECONCILE_INTERVAL_MS: '250' });
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);

    const per = receivedPerReader(h.sink);
    expect(per.size).toBe(600);
    const duplicates = [...per.values()].reduce((a, n) => a + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(await deliveryCounts(h.store.db, queued.campaign.id)).toMatchObject({
      sent: 600,
      sending: 0,
      pending: 0,
    });
  }, 180_000);

  it('never takes a row another live job is sending; takes it once its claim is older than the lock', async () => {
    h = await createHarness({ readers: 40, env: { SEND_LOCK_MS: '3000' } });
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
    h = await createHarness({ readers: 300, sink: { delayMs: 15 } });
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
    h = await createHarness({ readers: 500, sink: { delayMs: 10 } });
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
