import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { freePort } from '../../src/runtime/redis-server.ts';
import type { Listening } from '../../src/server/listen.ts';
import { updateListSettings } from '../../src/store/list-settings.ts';
import { ISSUES_DIR } from '../helpers/fixtures.ts';
import { startOpsServer } from '../helpers/ops.ts';
import { createHarness, type Harness } from '../helpers/send-harness.ts';

let h: Harness;
let server: Listening;
let base: string;
let issues: string;
const SLUG = '2025-10-02-numero-37';
/** Where readers reach numero serve (the harness's PUBLIC_URL); the test talks to it on loopback. */
const PUBLIC = 'https://lettre.example.org';

beforeAll(async () => {
  // A copy of the issues: the test edits one after it was sent.
  issues = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-archive-issues-'));
  fs.cpSync(ISSUES_DIR, issues, { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  h = await createHarness({ readers: 3, env: { NUMERO_ISSUES_DIR: issues } });
  await updateListSettings(h.store.db, h.listId, { public: true });
  await h.startWorker();
  const queued = await queueCampaign(h.config, {
    file: path.join(issues, `${SLUG}.md`),
    list: 'lecteurs',
    at: null,
    again: false,
  });
  await queued.close();
  await h.waitForState(queued.campaign.id, ['sent']);
  server = await startOpsServer(h, port);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await h?.dispose();
  fs.rmSync(issues, { recursive: true, force: true });
});

describe('the archive, its feeds and the web version serve numéros as they were sent (issue 22)', () => {
  it('keeps showing the sent text after the issue file is edited, and nothing unsent', async () => {
    const before = await (await fetch(`${base}/issues/${SLUG}`)).text();
    expect(before).toContain('Kazakhstan');
    const file = path.join(issues, `${SLUG}.md`);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/Kazakhstan/g, 'ÉDITÉ-APRÈS-ENVOI'));
    const after = await fetch(`${base}/issues/${SLUG}`);
    expect(after.status).toBe(200);
    const text = await after.text();
    expect(text).toBe(before);
    expect(text).not.toContain('ÉDITÉ-APRÈS-ENVOI');
    // Never sent: not public, whatever is in the folder.
    expect((await fetch(`${base}/issues/2026-02-12-numero-56`)).status).toBe(404);
    const archive = await (await fetch(`${base}/archive`)).text();
    expect(archive).toContain(`${PUBLIC}/issues/${SLUG}`);
    expect(archive).not.toContain('2026-02-12-numero-56');
    expect(archive).not.toContain('ÉDITÉ-APRÈS-ENVOI');
  });

  it('/feed.xml is well-formed Atom with every element RFC 4287 requires, absolute links and the HTML', async () => {
    const r = await fetch(`${base}/feed.xml`);
    expect(r.headers.get('content-type')).toContain('application/atom+xml');
    const xml = await r.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
    const feed = doc.feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    for (const required of ['id', 'title', 'updated']) expect(feed[required], required).toBeTruthy();
    const entries = [].concat(feed.entry);
    expect(entries).toHaveLength(1);
    const [entry] = entries as Array<Record<string, unknown>>;
    for (const required of ['id', 'title', 'updated']) expect(entry?.[required], required).toBeTruthy();
    expect(Number.isNaN(Date.parse(String(entry?.updated)))).toBe(false);
    const link = [].concat(entry?.link as never).map((l: Record<string, string>) => l['@href']);
    expect(link).toContain(`${PUBLIC}/issues/${SLUG}`);
    const content = entry?.content as Record<string, string>;
    expect(content['@type']).toBe('html');
    expect(content['#text']).toContain('<html');
  });

  it('/feed.json carries the JSON Feed 1.1 fields, absolute links and the HTML', async () => {
    const r = await fetch(`${base}/feed.json`);
    expect(r.headers.get('content-type')).toContain('application/feed+json');
    const f = (await r.json()) as Record<string, unknown> & { items: Array<Record<string, string>> };
    expect(f.version).toBe('https://jsonfeed.org/version/1.1');
    expect(f.title).toBeTruthy();
    expect(f.feed_url).toBe(`${PUBLIC}/feed.json`);
    expect(f.home_page_url).toBe(`${PUBLIC}/archive`);
    expect(f.items).toHaveLength(1);
    const [item] = f.items;
    expect(item?.id).toBe(`${PUBLIC}/issues/${SLUG}`);
    expect(item?.url).toBe(`${PUBLIC}/issues/${SLUG}`);
    expect(item?.content_html).toContain('<html');
    expect(Number.isNaN(Date.parse(item?.date_published ?? ''))).toBe(false);
  });
});
