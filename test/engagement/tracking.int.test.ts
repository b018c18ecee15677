import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetReader } from '../../src/audience/forget.ts';
import { nameParts } from '../../src/audience/names.ts';
import { formatEngagement } from '../../src/cli/engagement-show.ts';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { engagementCsv } from '../../src/engagement/csv.ts';
import { campaignEngagement, listComparison } from '../../src/engagement/report.ts';
import { reduceOldEngagement } from '../../src/engagement/retention.ts';
import type { CompiledIssue } from '../../src/render/compile.ts';
import { Personalizer } from '../../src/render/personalize.ts';
import { freePort } from '../../src/runtime/redis-server.ts';
import { readerLinks } from '../../src/send/build.ts';
import type { Listening } from '../../src/server/listen.ts';
import { createList, insertMemberships } from '../../src/store/audience.ts';
import { type CampaignRow, campaignById } from '../../src/store/campaigns.ts';
import { campaignLinks, clickTotals, openTotals, setListTracking } from '../../src/store/engagement.ts';
import { readerRecord } from '../../src/store/reader-record.ts';
import { launchChromium } from '../helpers/browser.ts';
import { tempIssuesDir, VALID_FRONT_MATTER } from '../helpers/fixtures.ts';
import { logIn, OPS_TOKEN, startOpsServer, until } from '../helpers/ops.ts';
import { createHarness, type Harness, SECRET } from '../helpers/send-harness.ts';
import type { CapturedMessage } from '../helpers/smtp-sink.ts';

/**
 * Issue 23 end to end: a numéro with links, sent to a list with tracking `clicks-per-reader,opens`
 * and to one without; numero serve on the PUBLIC_URL the messages link to; a reader's click in
 * Chromium; scanners, forgers and the privacy duties.
 */
let h: Harness;
let serve: Listening;
let base: string;
let issues: ReturnType<typeof tempIssuesDir>;
let tracked: CampaignRow;
let plain: CampaignRow;
let browser: Browser;
let page: Page;

const ARTICLE = 'https://kz.example/articles/alem-ai?from=lettre&amp;n=37';
const ARTICLE_URL = 'https://kz.example/articles/alem-ai?from=lettre&n=37';
const VIDEO_URL = 'https://video.example/watch?v=42';
/** An address with accents, as French encyclopaedia links have. */
const WIKI_URL = 'https://fr.wikipedia.example/wiki/Almaty_(métropole)';
const ISSUE = `${VALID_FRONT_MATTER}
Bonjour {{firstName}},

## L’IA à Astana

Le forum a présenté [Alem.ai, le nouveau centre](${ARTICLE.replace('&amp;', '&')}) et son université.

[![La vidéo du forum](https://img.example/forum.jpg)](${VIDEO_URL})

## La suite

Écrire à la rédaction : [redaction@example.org](mailto:redaction@example.org). Relire [l’article](${ARTICLE.replace('&amp;', '&')}).

Voir aussi [Almaty sur l’encyclopédie](${WIKI_URL}).
`;

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

const messagesOf = (campaignId: number): CapturedMessage[] =>
  h.sink.messages.filter((m) => m.raw.toString('latin1').includes(`numero.c${campaignId}.`));
const readerOf = (m: CapturedMessage) => h.readers.find((r) => r.email === m.envelope.to[0]);
const trackedLinksIn = (html: string): string[] =>
  [...html.matchAll(/href="([^"]*\/r\/[^"]+)"/g)].map((m) => m[1] as string);

beforeAll(async () => {
  issues = tempIssuesDir();
  const file = issues.write('2025-10-02-liens.md', ISSUE);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  h = await createHarness({
    readers: 3,
    env: { PUBLIC_URL: base, NUMERO_ISSUES_DIR: issues.dir, OPS_TOKEN },
  });
  await setListTracking(h.store.db, h.listId, 'clicks-per-reader,opens');
  // The same readers on a list that measures nothing.
  const other = await createList(h.store.db, 'sans-suivi');
  await insertMemberships(
    h.store.db,
    h.readers.map((r) => ({
      list_id: other.id,
      subscriber_id: r.id,
      status: 'active' as const,
      source: 'test',
    })),
  );
  serve = await startOpsServer(h, port);
  await h.startWorker();
  for (const list of ['lecteurs', 'sans-suivi']) {
    // PUBLIC_URL is on loopback here, which numero send refuses unless forced.
    const q = await queueCampaign(h.config, { file, list, at: null, again: false, force: true });
    await q.close();
    await h.waitForState(q.campaign.id, ['sent']);
  }
  tracked = (await campaignById(h.store.db, 1)) as CampaignRow;
  plain = (await campaignById(h.store.db, 2)) as CampaignRow;
  await h.sink.waitFor(6);
  // A reader's browser (headless Chromium says "HeadlessChrome", which is rightly taken for a robot).
  browser = await launchChromium();
  const context = await browser.newContext({ userAgent: CHROME });
  // Links open in a new tab (target=_blank): the whole context reaches only numero serve, and the
  // article's site, which is not ours, is answered here after numero's real 302.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('https://kz.example/'))
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Alem.ai</h1>' });
    return url.startsWith(base) ? route.continue() : route.abort();
  });
  page = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.close();
  await h?.dispose();
  issues?.cleanup();
});

describe('engagement: tracked links and opens (issue 23)', () => {
  it('keeps the list’s tracking with the campaign and its links in the order of the issue', async () => {
    expect(tracked.tracking).toBe('clicks-per-reader,opens');
    expect(plain.tracking).toBe('');
    expect(await campaignLinks(h.store.db, tracked.id)).toEqual([
      { position: 1, url: ARTICLE_URL, text: 'Alem.ai, le nouveau centre' },
      { position: 2, url: VIDEO_URL, text: 'La vidéo du forum' },
      // The renderer percent-encodes it, as a browser would.
      {
        position: 3,
        url: 'https://fr.wikipedia.example/wiki/Almaty_(m%C3%A9tropole)',
        text: 'Almaty sur l’encyclopédie',
      },
    ]);
    expect(await campaignLinks(h.store.db, plain.id)).toEqual([]);
  });

  it('sends the untracked list’s links untouched: its HTML is what personalisation alone gives, byte for byte', () => {
    const compiled = JSON.parse(plain.compiled) as CompiledIssue;
    const personalizer = new Personalizer(compiled);
    const msgs = messagesOf(plain.id);
    expect(msgs).toHaveLength(3);
    for (const m of msgs) {
      const r = readerOf(m);
      if (!r) throw new Error('unknown reader');
      const attributes = { city: 'Almaty' };
      const want = personalizer.fill(
        { email: r.email, ...nameParts(r.name, attributes), attributes },
        readerLinks({ secret: SECRET, publicUrl: base, mailtoDomain: 'lettre.example.org' }, plain, r.id)
          .reader,
      );
      expect(m.parsed.html).toBe(want.html);
      expect(m.parsed.html).not.toMatch(/\/r\/|\/o\//);
      expect(m.parsed.text).toContain(ARTICLE_URL);
      expect(m.parsed.text).not.toContain('/r/');
    }
  });

  it('rewrites the tracked list’s links in both parts, never the unsubscribe, preferences or web-version links', () => {
    for (const m of messagesOf(tracked.id)) {
      const html = String(m.parsed.html);
      const links = trackedLinksIn(html);
      expect(links.length).toBe(4); // the article twice, the video and the encyclopaedia once
      expect(html).not.toContain('kz.example');
      expect(html).toContain('href="mailto:redaction@example.org"');
      expect(html).toMatch(new RegExp(`href="${base}/unsubscribe/`));
      expect(html).toMatch(new RegExp(`href="${base}/preferences/`));
      expect(html).toContain(`href="${base}/issues/2025-10-02-liens"`);
      expect(html).toMatch(new RegExp(`<img src="${base}/o/1\\.r[0-9a-z]+\\.[A-Za-z0-9_-]{16}\\.gif"`));
      const text = String(m.parsed.text);
      expect(text).not.toContain('kz.example');
      expect(text).toContain(`${links[0]}`);
    }
  });

  it('takes a reader’s click in Chromium to the original address, and the dashboard shows it within seconds', async () => {
    const m = messagesOf(tracked.id).find((x) => readerOf(x)?.id === h.readers[0]?.id);
    if (!m) throw new Error('no message for reader 1');
    await page.setContent(String(m.parsed.html));
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click(`a[href^="${base}/r/1.1."] >> nth=0`),
    ]);
    await tab.waitForURL((u) => u.href === ARTICLE_URL);
    expect(await tab.textContent('h1')).toBe('Alem.ai');
    await tab.close();

    await logIn(page, base);
    await page.goto(`${base}/ops/campaigns/${tracked.id}`);
    await page.waitForFunction(
      () => document.querySelector('#engagement [data-cell="clickers"]')?.textContent === '1',
      undefined,
      { timeout: 30_000 },
    );
    await page.reload();
    expect(await page.textContent('#links tr[data-position="1"]')).toContain('Alem.ai, le nouveau centre');
    expect(await page.locator('#clicks-chart rect').count()).toBeGreaterThan(0);
    const csv = await page.request.get(`${base}/ops/campaigns/${tracked.id}/stats.csv`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain(`link,1,"Alem.ai, le nouveau centre",${ARTICLE_URL},,1,1,0`);
  });

  it('counts scanners apart: a HEAD, a scanner’s agent, and every link of a message within 2 s', async () => {
    const [, second, third] = h.readers;
    const of = (id: number | undefined) => {
      const m = messagesOf(tracked.id).find((x) => readerOf(x)?.id === id);
      if (!m) throw new Error('no message');
      return [...new Set(trackedLinksIn(String(m.parsed.html)))];
    };
    const before = await clickTotals(h.store.db, tracked.id);
    const machineBefore = before.filter((t) => t.machine).reduce((a, t) => a + t.clicks, 0);
    const [link] = of(second?.id);
    const head = await fetch(String(link), { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(302);
    const scanner = await fetch(String(link), {
      redirect: 'manual',
      headers: { 'user-agent': 'Mimecast-URL-Protect/1.0' },
    });
    expect(scanner.headers.get('location')).toBe(ARTICLE_URL);
    // A scanner posing as a browser: every link of the message at once.
    const all = of(third?.id);
    expect(all).toHaveLength(3);
    const answers = await Promise.all(
      all.map((l) => fetch(l, { redirect: 'manual', headers: { 'user-agent': CHROME } })),
    );
    expect(answers.map((r) => r.status)).toEqual([302, 302, 302]);
    // The address with accents goes out as a Location header carries it.
    expect(answers[2]?.headers.get('location')).toBe(
      'https://fr.wikipedia.example/wiki/Almaty_(m%C3%A9tropole)',
    );
    await until('the machine clicks recorded', async () => {
      const t = await clickTotals(h.store.db, tracked.id);
      return t.filter((x) => x.machine).reduce((a, x) => a + x.clicks, 0) === machineBefore + 5;
    });
    const e = await campaignEngagement(h.store.db, tracked);
    expect(e.clickers).toBe(1); // reader 1 only: the rest were machines
    expect(e.machineWhy.map((w) => w.why).sort()).toEqual(['burst', 'head', 'mail-scanner']);
    expect(formatEngagement(e, await listComparison(h.store.db, tracked))).toMatch(
      /readers who clicked: 1 of 3 delivered \(33\.3 %\)[\s\S]*machines, counted apart: 5/,
    );
  });

  it('is never an open redirect and never tells who a reader is: forged, truncated and swapped tokens are refused', async () => {
    const before = JSON.stringify(await clickTotals(h.store.db, tracked.id));
    const html = (i: number) =>
      String(messagesOf(tracked.id).find((x) => readerOf(x)?.id === h.readers[i]?.id)?.parsed.html);
    const mine = trackedLinksIn(html(1))[0] as string;
    const theirs = trackedLinksIn(html(2))[0] as string;
    const [c, p, key, mac] = mine.slice(mine.indexOf('/r/') + 3).split('.');
    const [, , theirKey] = theirs.slice(theirs.indexOf('/r/') + 3).split('.');
    const refused = [
      `${base}/r/${c}.${p}.${key}.${String(mac).slice(0, 12)}`, // truncated
      `${base}/r/${c}.${p}.${theirKey}.${mac}`, // another reader's key, my MAC
      `${base}/r/2.${p}.${key}.${mac}`, // another campaign
      `${base}/r/${c}.9.${key}.${mac}`, // a link the numéro does not have
      `${base}/r/${c}.${p}.r1.AAAAAAAAAAAAAAAA`, // made up
      `${base}/r/${encodeURIComponent('https://evil.example/')}`,
    ];
    for (const url of refused) {
      const r = await fetch(url, { redirect: 'manual', headers: { 'user-agent': CHROME } });
      expect(r.status, url).toBe(404);
      expect(r.headers.get('location')).toBeNull();
      const body = await r.text();
      expect(body).not.toMatch(/lecteur\d|@example\.org/);
    }
    // Whatever is added, the address comes from the campaign's own links.
    const r = await fetch(`${mine}?url=https://evil.example/&next=//evil.example`, {
      redirect: 'manual',
      headers: { 'user-agent': CHROME },
    });
    expect(r.headers.get('location')).toBe(ARTICLE_URL);
    await until('the last click recorded', async () => {
      const t = await clickTotals(h.store.db, tracked.id);
      return (
        t.reduce((a, x) => a + x.clicks, 0) ===
        JSON.parse(before).reduce((a: number, x: { clicks: number }) => a + x.clicks, 0) + 1
      );
    });
  });

  it('counts opens as an estimate, Apple’s and webmail proxies apart', async () => {
    const pixel = (m: CapturedMessage) =>
      (String(m.parsed.html).match(/<img src="([^"]*\/o\/[^"]+)"/) ?? [])[1] as string;
    // Reader 1 opened it in Chromium above (a person); here reader 2 with a browser, reader 3
    // through Apple's proxy, reader 1 again through Gmail's.
    const before = await openTotals(h.store.db, tracked.id);
    expect(before).toEqual({ loads: 1, machine: 0, messages: 1 });
    const [a, b, c] = [1, 2, 0].map((i) =>
      messagesOf(tracked.id).find((x) => readerOf(x)?.id === h.readers[i]?.id),
    );
    for (const [m, ua] of [
      [a, CHROME],
      [b, 'Mozilla/5.0'],
      [c, 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)'],
    ] as const) {
      const r = await fetch(pixel(m as CapturedMessage), { headers: { 'user-agent': ua } });
      expect(r.headers.get('content-type')).toBe('image/gif');
      expect(
        Buffer.from(await r.arrayBuffer())
          .subarray(0, 6)
          .toString(),
      ).toBe('GIF89a');
    }
    const forged = await fetch(`${base}/o/1.r1.AAAAAAAAAAAAAAAA.gif`);
    expect(forged.status).toBe(200); // a mail client shows nothing broken…
    await until(
      'three image loads recorded',
      async () => (await openTotals(h.store.db, tracked.id)).loads === 4,
    );
    // …and it counts nothing.
    expect(await openTotals(h.store.db, tracked.id)).toEqual({ loads: 4, machine: 2, messages: 2 });
    const e = await campaignEngagement(h.store.db, tracked);
    expect(e.opens?.machineWhy.map((w) => w.why).sort()).toEqual(['apple-mpp', 'image-proxy']);
  });

  it('shows a reader their clicks, forgets them on request, and cuts every click from its reader after the retention', async () => {
    const reader = h.readers[0];
    if (!reader) throw new Error('no reader');
    const record = await readerRecord(h.store.db, reader.email);
    expect(record.clicks.map((c) => c.url)).toEqual([ARTICLE_URL]);
    expect(record.opens.map((o) => o.why)).toEqual([null, 'image-proxy']);
    const totals = await clickTotals(h.store.db, tracked.id);
    const summary = await forgetReader(h.store.db, reader.email);
    expect(summary.tracked).toBe(1);
    const after = await readerRecord(h.store.db, reader.email);
    expect(after.clicks).toEqual([]);
    // Counted as before, and the unique readers too.
    expect(await clickTotals(h.store.db, tracked.id)).toEqual(totals);
    // TRACKING_RETENTION_DAYS later, nothing is tied to a delivery any more.
    const n = await reduceOldEngagement(h.store.db, 90, Date.now() + 91 * 86_400_000);
    expect(n).toBeGreaterThan(0);
    for (const table of ['clicks', 'opens'] as const) {
      const tied = await h.store.db
        .selectFrom(table)
        .select('id')
        .where('delivery_id', 'is not', null)
        .execute();
      expect(tied).toEqual([]);
    }
    expect(await clickTotals(h.store.db, tracked.id)).toEqual(totals);
    const csv = engagementCsv(await campaignEngagement(h.store.db, tracked));
    expect(csv.split('\r\n')[0]).toBe('section,position,text,url,hour_utc,readers,clicks,machine_clicks');
  });
});
