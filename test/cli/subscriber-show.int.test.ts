import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatReaderRecord } from '../../src/cli/audience.ts';
import { readerRecord } from '../../src/store/reader-record.ts';
import { numero } from '../helpers/cli.ts';
import { createHarness, type Harness, sendIssue } from '../helpers/send-harness.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-show-'));
const env = { DATABASE_URL: `sqlite:${path.join(dir, 'numero.db')}`, NUMERO_DATA_DIR: dir };
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('numero subscribers show: everything stored about one reader', () => {
  it('lists the reader’s data, standing per list and history, as text and as JSON', async () => {
    for (const args of [
      ['lists', 'create', 'hebdo'],
      ['lists', 'create', 'alertes'],
      ['subscribers', 'add', 'Aigerim@Example.kz', '--list', 'hebdo', '--name', 'Aigerim Nurlanovna'],
      ['subscribers', 'add', 'aigerim@example.kz', '--list', 'alertes'],
      ['subscribers', 'remove', 'aigerim@example.kz', '--list', 'alertes'],
    ])
      expect((await numero(args, env)).code, args.join(' ')).toBe(0);

    const text = await numero(['subscribers', 'show', 'AIGERIM@example.kz'], env);
    expect(text.code).toBe(0);
    const out = text.stdout;
    expect(out).toContain('Aigerim@Example.kz');
    expect(out).toContain('name: Aigerim Nurlanovna');
    expect(out).toMatch(/^ {2}alertes: unsubscribed \(since /m);
    expect(out).toMatch(/^ {2}hebdo: active \(since /m);
    expect(out).toMatch(/^events \(3\)$/m);
    expect(out).toMatch(/ unsubscribed alertes: cli$/m);
    expect(out).toMatch(/^deliveries \(0\)$/m);

    const json = await numero(['subscribers', 'show', 'aigerim@example.kz', '--json'], env);
    const record = JSON.parse(json.stdout) as {
      subscriber: { email: string; name: string };
      lists: Array<{ list: string; status: string }>;
      events: Array<{ type: string; list: string | null }>;
    };
    expect(record.subscriber).toMatchObject({ email: 'Aigerim@Example.kz', name: 'Aigerim Nurlanovna' });
    expect(record.lists.map((l) => `${l.list}:${l.status}`)).toEqual([
      'alertes:unsubscribed',
      'hebdo:active',
    ]);
    expect(record.events.map((e) => `${e.type}:${e.list}`)).toEqual([
      'subscribed:hebdo',
      'subscribed:alertes',
      'unsubscribed:alertes',
    ]);
  });

  it('says so for an address it does not know, and refuses one that is not an address', async () => {
    const none = await numero(['subscribers', 'show', 'personne@example.org'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('personne@example.org: no subscriber with this address');
    const bad = await numero(['subscribers', 'show', 'pas-une-adresse'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid address "pas-une-adresse": no @');
  });
});

describe('the reader record after a real send (real Redis, SMTP sink)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  it('holds each delivery with its campaign, status and Message-ID', async () => {
    h = await createHarness({ readers: 2 });
    const queued = await sendIssue(h);
    await queued.close();
    await h.startWorker();
    await h.waitForState(queued.campaign.id, ['sent']);
    const record = await readerRecord(h.store.db, 'lecteur1@example.org');
    expect(record.deliveries).toHaveLength(1);
    expect(record.deliveries[0]).toMatchObject({
      campaign_id: queued.campaign.id,
      status: 'sent',
      attempts: 1,
    });
    expect(record.deliveries[0]?.message_id).toMatch(/^<numero\.c\d+\.d\d+\./);
    const lines = formatReaderRecord('lecteur1@example.org', record);
    expect(lines).toContain('deliveries (1)');
    expect(
      lines.some((l) => l.includes(`campaign ${queued.campaign.id} (`) && l.includes(': sent, 1 attempt(s)')),
    ).toBe(true);
  });
});
