import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/_shared/address.ts';
import { subscribe } from '../../src/audience/membership.ts';
import { requestSignup } from '../../src/audience/signup.ts';
import { deliveryCounts } from '../../src/store/deliveries.ts';
import { updateListSettings } from '../../src/store/list-settings.ts';
import { insertConsent, insertSignup } from '../../src/store/signups.ts';
import { numero } from '../helpers/cli.ts';
import { createHarness, type Harness, sendIssue } from '../helpers/send-harness.ts';

let h: Harness;

/** Every row of every table, as text: where a forgotten reader's address or name must not be. */
async function everything(): Promise<string> {
  const tables = [
    'lists',
    'subscribers',
    'memberships',
    'suppressions',
    'events',
    'campaigns',
    'deliveries',
    'inbound_messages',
    'bounce_reports',
    'signups',
    'consents',
    'welcomes',
  ] as const;
  const out: string[] = [];
  for (const t of tables) out.push(JSON.stringify(await h.store.db.selectFrom(t).selectAll().execute()));
  return out.join('\n');
}

beforeAll(async () => {
  h = await createHarness({ readers: 2 });
});
afterAll(async () => {
  await h?.dispose();
});

describe('subscribers forget (an erasure request)', () => {
  it('erases everything that names the reader, keeps counts, and never lets the address back in', async () => {
    await h.startWorker();
    const queued = await sendIssue(h);
    const campaignId = queued.campaign.id;
    await queued.close();
    await h.waitForState(campaignId, ['sent']);
    const [lea] = h.readers;
    if (!lea) throw new Error('no reader');
    const db = h.store.db;
    await insertConsent(db, {
      subscriberId: lea.id,
      listIds: [h.listId],
      method: 'double',
      form: 'https://lettre.example.org/subscribe',
      text: 'J’accepte',
      ip: '192.0.2.7',
      userAgent: 'Firefox',
      askedAt: new Date().toISOString(),
    });
    await insertSignup(db, {
      email: lea.email,
      emailNormalized: lea.email,
      name: lea.name,
      listIds: [h.listId],
      nonce: 'n',
      lang: 'fr',
      form: 'api',
      consentText: 'J’accepte',
      ip: '192.0.2.7',
      userAgent: null,
    });
    const counts = await deliveryCounts(db, campaignId);
    expect(await everything()).toContain(lea.email);

    const cli = await numero(['subscribers', 'forget', lea.email], h.env);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`${lea.email} forgotten: 1 membership(s), 1 consent(s), 1 signup(s)`);

    const all = await everything();
    expect(all).not.toContain(lea.email);
    expect(all).not.toContain(lea.name);
    expect(all).not.toContain('192.0.2.7');
    // The other reader is untouched; the campaign still adds up.
    expect(all).toContain(h.readers[1]?.email);
    expect(await deliveryCounts(db, campaignId)).toEqual(counts);

    // Never mailed again: not by hand, not by a form, not by an import.
    const address = parseAddress(lea.email);
    if (!address.ok) throw new Error('address');
    const again = await subscribe(db, {
      listId: h.listId,
      address,
      name: null,
      source: 'cli',
      resubscribe: true,
    });
    expect(again.kind).toBe('suppressed');
    await updateListSettings(db, h.listId, { public: true });
    const form = await requestSignup(
      db,
      { email: lea.email, name: null, lists: [], form: 'api', ip: null, userAgent: null, consentText: 'x' },
      { perIpPerHour: 100 },
    );
    expect(form).toMatchObject({ kind: 'accepted', effect: 'ignored', why: 'suppressed' });
    // An import of 150 addresses, one of them hers: a page big enough that the store first asks
    // whether anyone was forgotten before hashing (src/store/audience.ts, suppressedAmong).
    const csv = path.join(h.dir, 'retour.csv');
    fs.writeFileSync(
      csv,
      [
        'email,name',
        ...Array.from({ length: 149 }, (_, i) => `nouveau${i}@example.net,N${i}`),
        `${lea.email},Léa`,
      ].join('\n'),
    );
    const imported = await numero(
      ['subscribers', 'import', csv, '--list', 'lecteurs', '--resubscribe'],
      h.env,
    );
    expect(imported.code).toBe(0);
    expect(
      await db
        .selectFrom('subscribers')
        .select('id')
        .where('email_normalized', '=', lea.email.toLowerCase())
        .execute(),
    ).toEqual([]);
    expect(
      (
        await db
          .selectFrom('subscribers')
          .select('id')
          .where('email_normalized', 'like', 'nouveau%')
          .execute()
      ).length,
    ).toBe(149);
    const show = await numero(['subscribers', 'show', lea.email], h.env);
    expect(show.stdout).toContain('no subscriber with this address');
    expect(show.stdout).toContain('suppressed: forgotten');
    // A second request finds nothing more to erase.
    const twice = await numero(['subscribers', 'forget', lea.email], h.env);
    expect(twice.stdout).toContain(
      'no reader with this address; 0 signup(s) erased; suppression already hashed',
    );
  }, 120_000);
});
