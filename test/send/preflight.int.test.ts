import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queueCampaign } from '../../src/cli/send-run.ts';
import { loadConfig } from '../../src/config.ts';
import { orgDomain, preflight } from '../../src/send/preflight.ts';
import { createHarness, type Harness, ISSUE } from '../helpers/send-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const FROM = { from: 'Bruxelles Korner <lettre@bruxelles-korner.example>' };

describe('numero send refuses a configuration that Gmail and Yahoo reject', () => {
  it('refuses a loopback PUBLIC_URL before anything is queued, and --force sends anyway', async () => {
    h = await createHarness({ readers: 5 });
    const cfg = loadConfig({ ...h.env, PUBLIC_URL: 'http://127.0.0.1:8080' });
    const o = { file: path.relative(process.cwd(), ISSUE), list: 'lecteurs', at: null, again: false };
    await expect(queueCampaign(cfg, o)).rejects.toThrow(
      /^PUBLIC_URL is http:\/\/127\.0\.0\.1:8080: readers cannot reach a loopback address[\s\S]*Nothing was queued\. Fix the configuration, or send anyway with --force\.$/,
    );
    expect(await h.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
    const forced = await queueCampaign(cfg, { ...o, force: true });
    await forced.close();
    expect(forced.campaign.total).toBe(5);
  });

  it('says what is wrong with each setting, and nothing when mail stays in the capture', () => {
    const base = {
      PUBLIC_URL: 'https://lettre.bruxelles-korner.example',
      SMTP_URL: 'smtp://relay.example:587',
    };
    expect(preflight(loadConfig({ ...base, PUBLIC_URL: 'http://lettre.example' }), FROM).errors[0]).toMatch(
      /needs https/,
    );
    expect(preflight(loadConfig(base), FROM).errors).toEqual([
      'UNSUBSCRIBE_SECRET is not set: unsubscribe links cannot be signed (openssl rand -hex 32).',
    ]);
    const secret = { UNSUBSCRIBE_SECRET: 's'.repeat(40) };
    const warned = preflight(
      loadConfig({ ...base, ...secret, BOUNCE_DOMAIN: 'bounces.other.example' }),
      FROM,
    );
    expect(warned.errors).toEqual([]);
    expect(warned.warnings.join('\n')).toMatch(
      /no DKIM signature[\s\S]*BOUNCE_DOMAIN bounces\.other\.example is outside/,
    );
    expect(preflight(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8080' }), FROM)).toEqual({
      errors: [],
      warnings: [],
    });
    expect(orgDomain('news.bbc.co.uk')).toBe('bbc.co.uk');
    expect(orgDomain('bounces.bruxelles-korner.example')).toBe('bruxelles-korner.example');
  });
});
