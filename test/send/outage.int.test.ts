import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { queueName } from '../../src/queue/jobs.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { createHarness, type Harness, receivedPerReader, sendIssue } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let pg: PgCluster | null = null;
afterEach(async () => {
  await h?.dispose();
  await pg?.stop();
  h = undefined;
  pg = null;
});

const send = sendIssue;

async function expectEveryoneOnce(harness: Harness, campaignId: number, n: number) {
  const per = receivedPerReader(harness.sink);
  expect(per.size).toBe(n);
  expect([...per.values()].every((c) => c === 1)).toBe(true);
  expect(await deliveryCounts(harness.store.db, campaignId)).toMatchObject({
    sent: harness.sink.messages.length,
    failed: 0,
  });
}

describe('the database and Redis may go away and come back (real worker processes)', () => {
  it('re-runs a batch whose job failed for good and is still kept in Redis under its id', async () => {
    h = await createHarness({ readers: 30 });
    const queued = await send(h);
    await queued.close();
    // A job that fails for a reason outside the reader (here: a processor that gives up at once).
    const connection = new Redis(h.redis.url, { maxRetriesPerRequest: null });
    const failed = new Promise<void>((resolve) => {
      const breaker = new Worker(
        queueName('default'),
        async () => {
          throw new UnrecoverableError('the database was not there');
        },
        { connection },
      );
      breaker.on('failed', () => void breaker.close().then(resolve));
    });
    await failed;
    connection.disconnect();
    expect(
      (await h.store.db.selectFrom('deliveries').select('status').distinct().execute()).map((r) => r.status),
    ).toEqual(['pending']);
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    await expectEveryoneOnce(h, queued.campaign.id, 30);
  });

  it('Redis stopped for 20 s mid-campaign: the workers stay up, everyone once, the ledger equals the relay', async () => {
    h = await createHarness({ readers: 1500, sink: { delayMs: 3 } });
    const queued = await send(h);
    await queued.close();
    const workers = [h.spawnWorker(), h.spawnWorker()];
    await h.sink.waitFor(200, 60_000);
    await h.redis.stop();
    const stopped = Date.now();
    while (Date.now() - stopped < 20_000) await new Promise((r) => setTimeout(r, 250)); // the outage itself
    await h.restartRedis();
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    for (const w of workers) expect(w.exitCode).toBeNull();
    await expectEveryoneOnce(h, queued.campaign.id, 1500);
  }, 180_000);

  it('PostgreSQL restarted mid-campaign: the workers stay up, everyone once, the ledger equals the relay', async (ctx) => {
    pg = await startPgCluster();
    if (!pg) {
      console.warn('PostgreSQL server binaries are not installed: the PostgreSQL restart test is skipped.');
      return ctx.skip();
    }
    h = await createHarness({ readers: 1500, sink: { delayMs: 3 }, env: { DATABASE_URL: pg.url } });
    const queued = await send(h);
    await queued.close();
    const workers = [h.spawnWorker(), h.spawnWorker()];
    await h.sink.waitFor(300, 60_000);
    await pg.restart();
    await h.waitForState(queued.campaign.id, ['sent'], 120_000);
    for (const w of workers) expect(w.exitCode).toBeNull();
    await expectEveryoneOnce(h, queued.campaign.id, 1500);
  }, 180_000);
});
