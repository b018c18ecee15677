import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { freePort } from '../../src/runtime/redis-server.ts';
import type { Listening } from '../../src/server/listen.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { BEARER, startOpsServer, until } from '../helpers/ops.ts';
import { createHarness, type Harness, ISSUE } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  await h?.dispose();
  h = undefined;
  server = undefined;
});

/** The value of one series in Prometheus text, or 0 when absent. */
function series(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
function sum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
}

const status = async (url: string) => (await fetch(url)).status;

describe('metrics and health (a real numero worker process, Redis, SMTP server)', () => {
  it('a worker’s /metrics counters and serve’s ledger gauges equal the ledger after a campaign; /readyz follows Redis', async () => {
    h = await createHarness({
      readers: 120,
      env: { SEND_MAX_ATTEMPTS: '2' },
      sink: {
        behaviour: (rcpt) => {
          const n = Number(/\d+/.exec(rcpt)?.[0]);
          if (n % 10 === 0) return { code: 550, message: '5.1.1 User unknown' };
          if (n % 15 === 1) return { code: 451, message: '4.3.0 Temporary local problem' };
          return null;
        },
      },
    });
    const queued = await queueCampaign(h.config, {
      file: path.relative(process.cwd(), ISSUE),
      list: 'lecteurs',
      at: null,
      again: false,
    });
    await queued.close();
    const metricsPort = await freePort();
    const worker = h.spawnWorker({ METRICS_PORT: String(metricsPort), LOG_LEVEL: 'silent' });
    const workerUrl = `http://127.0.0.1:${metricsPort}`;
    await until(
      'the worker’s /healthz',
      async () => (await status(`${workerUrl}/healthz`).catch(() => 0)) === 200,
    );
    await h.waitForState(queued.campaign.id, ['sent']);

    const ledger = await deliveryCounts(h.store.db, queued.campaign.id);
    expect(ledger).toMatchObject({ sent: 100, bounced: 12, failed: 8 });
    const w = await (await fetch(`${workerUrl}/metrics`)).text();
    expect(series(w, 'numero_messages_submitted_total', 'provider="default"')).toBe(ledger.sent);
    expect(sum(w, 'numero_messages_bounced_total')).toBe(ledger.bounced);
    expect(series(w, 'numero_messages_bounced_total', 'provider="default",kind="hard"')).toBe(ledger.bounced);
    expect(series(w, 'numero_messages_failed_total', 'provider="default"')).toBe(ledger.failed);
    expect(series(w, 'numero_messages_skipped_total', 'provider="default"')).toBe(ledger.skipped);
    expect(series(w, 'numero_delivery_retries_total', 'provider="default"')).toBe(ledger.failed); // one retry each
    expect(series(w, 'numero_bounced_readers_total')).toBe(ledger.bounced);
    expect(series(w, 'numero_smtp_submit_seconds_count', 'provider="default"')).toBe(
      ledger.sent + ledger.bounced + 2 * ledger.failed,
    );
    expect(w).toContain('numero_process_resident_memory_bytes');

    server = await startOpsServer(h);
    const s = await (await fetch(`${server.url}/metrics`, { headers: BEARER })).text();
    for (const st of ['sent', 'bounced', 'failed', 'skipped', 'pending'] as const)
      expect([st, series(s, 'numero_deliveries', `status="${st}"`)]).toEqual([st, ledger[st]]);
    expect(s).toMatch(/^numero_queue_jobs\{provider="default",state="waiting"\} 0$/m);

    for (const url of [server.url, workerUrl]) expect(await status(`${url}/readyz`)).toBe(200);
    await h.redis.stop();
    for (const url of [server.url, workerUrl])
      await until(`${url}/readyz to turn 503`, async () => (await status(`${url}/readyz`)) === 503);
    const why = (await (await fetch(`${server.url}/readyz`)).json()) as {
      checks: Array<{ name: string; ok: boolean }>;
    };
    expect(why.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'redis', ok: false }),
        expect.objectContaining({ name: 'database', ok: true }),
      ]),
    );
    expect(await status(`${server.url}/healthz`)).toBe(200);
    await h.restartRedis();
    for (const url of [server.url, workerUrl])
      await until(`${url}/readyz to turn 200`, async () => (await status(`${url}/readyz`)) === 200, 30_000);
    expect(worker.exitCode).toBeNull(); // Redis going away did not crash the worker
  });
});
