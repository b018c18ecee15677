import { createHash, randomBytes } from 'node:crypto';
import { unsubscribeLinks } from '../audience/list-unsubscribe.ts';
import { nameParts } from '../audience/names.ts';
import type { CompiledIssue } from '../render/compile.ts';
import { webVersionUrl } from '../render/sample-readers.ts';
import { membershipsOf, subscriberById, suppressedAmong } from '../store/audience.ts';
import { claimWelcome, listWelcome, markWelcome } from '../store/welcomes.ts';
import type { SendDeps } from './deps.ts';
import { buildMessage } from './message.ts';
import { PreparedIssue } from './prepared.ts';
import { settleTransactional, submit } from './submit.ts';

/**
 * A list's welcome numéro, sent once to a reader who joined (a confirmed signup, or a single opt-in
 * one): the issue as it was compiled when `lists set --welcome` set it, personalised like a
 * campaign's (merge fields, List-Unsubscribe with one-click), claimed before SMTP and recorded after.
 * A reader who left or was suppressed in between gets nothing.
 */
export type WelcomeResult = 'sent' | 'not-mine' | 'skipped' | 'retry' | 'failed';

const prepared = new Map<string, { issue: PreparedIssue; slug: string }>();

/** The welcome numéro prepared to send and its slug, once per compiled text and worker. */
function preparedFor(compiled: string): { issue: PreparedIssue; slug: string } {
  const key = createHash('sha256').update(compiled).digest('hex');
  let p = prepared.get(key);
  if (!p) {
    if (prepared.size > 20) prepared.clear();
    const parsed = JSON.parse(compiled) as CompiledIssue;
    p = { issue: new PreparedIssue(parsed), slug: parsed.slug };
    prepared.set(key, p);
  }
  return p;
}

export async function sendWelcome(
  deps: SendDeps,
  listId: number,
  subscriberId: number,
): Promise<WelcomeResult> {
  const db = deps.store.db;
  if (!(await claimWelcome(db, listId, subscriberId))) return 'not-mine';
  const list = await listWelcome(db, listId);
  const reader = await subscriberById(db, subscriberId);
  const status = (await membershipsOf(db, listId, [subscriberId])).get(subscriberId);
  const why = !list?.welcome_compiled
    ? 'the list has no welcome numéro any more'
    : !reader || status !== 'active'
      ? 'the reader is no longer on the list'
      : (await suppressedAmong(db, [reader.email_normalized])).size
        ? 'the address is suppressed'
        : null;
  if (why || !list?.welcome_compiled || !reader) {
    await markWelcome(db, listId, subscriberId, 'failed', null);
    deps.log('welcome.skipped', { listId, subscriberId, why });
    return 'skipped';
  }
  const { issue, slug } = preparedFor(list.welcome_compiled);
  const { settings } = deps;
  const links = unsubscribeLinks(
    { listId, subscriberId, campaignId: null },
    { secret: settings.secret, publicUrl: settings.publicUrl, mailtoDomain: settings.mailtoDomain },
  );
  const attributes = JSON.parse(reader.attributes) as Record<string, unknown>;
  const content = issue.fill(
    { email: reader.email, ...nameParts(reader.name, attributes), attributes },
    {
      unsubscribeUrl: links.url,
      browserUrl: webVersionUrl(settings.publicUrl, slug),
      preferencesUrl: `${settings.publicUrl}/preferences/${links.token}`,
    },
  );
  const messageId = `<numero.w${listId}.${subscriberId}.${randomBytes(6).toString('hex')}@${settings.messageDomain}>`;
  const message = buildMessage({
    messageId,
    returnPath: `bounces@${settings.bounceDomain}`,
    campaignId: `welcome-${listId}`,
    subscriberId: String(subscriberId),
    listName: list.name,
    from: deps.newsletter.from,
    to: { name: reader.name, address: reader.email },
    content,
    unsubscribe: links,
    domain: settings.messageDomain,
  });
  return settleTransactional(deps, await submit(deps, message), {
    messageId,
    events: { sent: 'welcome.sent', failed: 'welcome.failed' },
    fields: { listId, subscriberId },
    mark: (status, id) => markWelcome(db, listId, subscriberId, status, id),
  });
}
