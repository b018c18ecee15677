import { afterEach, describe, expect, it } from 'vitest';
import type { Listening } from '../../src/server/listen.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { BEARER, startOpsServer, until } from '../helpers/ops.ts';
import { createHarness, type Harness, sendIssue } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  await h?.dispose();
  h = undefined;
  server = undefined;
});

describe('numero serve while Redis goes away and comes back (real redis-server)', () => {
  it('the dashboard answers throughout: the queue view says Redis is away, Retry answers, and both work again after', async () => {
    h = await createHarness({
      readers: 12,
      env: { SEND_MAX_ATTEMPTS: '1' },
      sink: {
        behaviour: (rcpt) =>
          rcpt === 'lecteur3@example.org' ? { code: 451, message: '4.3.0 Try later' } : null,
      },
    });
    const queued = await sendIssue(h);
    await queued.close();
    const worker = await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    expect((await deliveryCounts(h.store.db, queued.campaign.id)).failed).toBe(1);
    await worker.close();
    server = await startOpsServer(h);
    const url = server.url;
    const get = (p: string) => fetch(`${url}${p}`, { headers: BEARER });
    await until('the queue view to answer', async () => (await get('/ops/queues')).status === 200);

    await h.redis.stop();
    await until('the queue view to say Redis is away', async () => (await get('/ops/queues')).status === 503);
    expect(await (await get('/ops/queues')).text()).toContain('Redis is not reachable');
    expect((await get('/ops')).status).toBe(200);
    const retry = await fetch(`${url}/ops/campaigns/${queued.campaign.id}/retry`, {
      method: 'POST',
      headers: BEARER,
    });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { message: string }).message).toMatch(
      /retry done, 1 failed deliveries .* back in line \(Redis did not answer: .*the workers will queue them when it is back\)/,
    );

    await h.restartRedis();
    await until('the queue view to come back', async () => (await get('/ops/queues')).status === 200, 30_000);
  });
});
