import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordBounce } from '../../src/audience/membership.ts';
import { processInbound } from '../../src/events/pipeline.ts';
import type { Listening } from '../../src/server/listen.ts';
import { membership, suppressedAmong } from '../../src/store/audience.ts';
import { numero } from '../helpers/cli.ts';
import { browserFor, logIn, startOpsServer } from '../helpers/ops.ts';
import { createHarness, type Harness, sendIssue } from '../helpers/send-harness.ts';

let h: Harness | undefined;
let server: Listening | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.close();
  await h?.dispose();
  h = undefined;
  server = undefined;
  browser = undefined;
});

const POLL = { timeout: 15_000 };

describe('what came back, on the dashboard (real worker, SMTP server, Chromium)', () => {
  it('shows a campaign’s pause reason, its reports and the readers it marked; Undo restores them', async () => {
    h = await createHarness({
      readers: 8,
      sink: { mailFrom: () => ({ code: 553, message: '5.1.8 Sender address rejected: Domain not found' }) },
    });
    const queued = await sendIssue(h);
    await queued.close();
    const id = queued.campaign.id;
    await h.startWorker();
    await h.waitForState(id, ['paused']);
    const [r1, r2] = h.readers as Array<Harness['readers'][number]>;
    if (!r1 || !r2) throw new Error('two readers');
    // Two readers an older numero marked bounced for that same reply.
    for (const r of [r1, r2])
      await recordBounce(
        h.store.db,
        { listId: h.listId, subscriberId: r.id, campaignId: String(id), emailNormalized: r.email },
        { detail: '553 5.1.8 Sender address rejected: Domain not found', source: 'smtp' },
      );
    // A report that names no delivery: recorded, nobody touched.
    await processInbound(
      h.store,
      {
        raw: Buffer.from(
          [
            'From: MAILER-DAEMON@mx.example.org',
            'Subject: Undelivered Mail',
            'Content-Type: multipart/report; report-type=delivery-status; boundary=B',
            '',
            '--B',
            'Content-Type: text/plain',
            '',
            '<nobody@example.com>: host said: 550 5.1.1 User unknown',
            '--B',
            'Content-Type: text/rfc822-headers',
            '',
            `X-Campaign-Id: ${id}`,
            'To: nobody@example.com',
            '--B--',
            '',
          ].join('\r\n'),
        ),
        source: 'file',
      },
      { softBounceLimit: 3, keepDays: 30 },
    );

    const shown = await numero(['campaign', 'show', String(id)], h.env);
    expect(shown.stdout).toMatch(/paused: paused by numero: the relay refused the sender/);
    expect(shown.stdout).toMatch(
      /readers marked bounced by this campaign \(by status code\)\n {2}5\.1\.8: 2/,
    );

    server = await startOpsServer(h);
    const b = await browserFor(server.url);
    browser = b.browser;
    const page = b.page;
    await logIn(page, server.url);
    await page.goto(`${server.url}/ops/campaigns/${id}`);
    await expect
      .poll(() => page.locator('[data-cell="reason"]').textContent(), POLL)
      .toMatch(/refused the sender/);
    // The report that named no delivery is not this campaign's: it waits on /ops/bounces.
    expect(await page.locator('#returned').count()).toBe(0);
    await expect
      .poll(() => page.locator('#marked-bounced tr[data-code="5.1.8"] td').nth(1).textContent(), POLL)
      .toBe('2');
    await Promise.all([
      page.waitForURL(`${server.url}/ops/campaigns/${id}`),
      page.click('#marked-bounced tr[data-code="5.1.8"] button'),
    ]);
    await expect
      .poll(() => page.locator('p.notice').textContent(), POLL)
      .toMatch(/2 reader\(s\) restored \(5\.1\.8\)/);
    expect(await membership(h.store.db, h.listId, r1.id)).toBe('active');
    expect(await membership(h.store.db, h.listId, r2.id)).toBe('active');
    expect(
      (
        await suppressedAmong(
          h.store.db,
          h.readers.map((r) => r.email),
        )
      ).size,
    ).toBe(0);

    await page.goto(`${server.url}/ops/bounces`);
    await expect.poll(() => page.locator('#unattributed tr[data-kind="hard"]').count(), POLL).toBe(1);
    await expect
      .poll(() => page.locator('#unattributed').textContent(), POLL)
      .toContain('nobody@example.com');
  });
});
