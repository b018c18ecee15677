import { randomBytes } from 'node:crypto';
import { signConfirmToken } from '../audience/confirm-token.ts';
import { claimConfirmation, markConfirmation, type SignupRow } from '../store/signups.ts';
import type { SendDeps } from './deps.ts';
import { buildRaw } from './mime.ts';
import { qpBody } from './qp.ts';
import { settleTransactional, submit } from './submit.ts';

/**
 * A signup's confirmation message: transactional, one reader, sent by the worker through the same
 * transport, DKIM key and rate limit as a campaign. No List-Unsubscribe (there is no subscription
 * yet); it says plainly to ignore it when the reader did not ask. The link expires after
 * `confirmHours` and works once (src/audience/confirm-token.ts).
 */
export type ConfirmationResult = 'sent' | 'not-mine' | 'retry' | 'failed';

interface Words {
  subject: (newsletter: string) => string;
  hello: string;
  asked: (newsletter: string) => string;
  button: string;
  expires: (hours: number) => string;
  ignore: string;
}

const WORDS: Record<string, Words> = {
  fr: {
    subject: (n) => `Confirmez votre inscription à ${n}`,
    hello: 'Bonjour,',
    asked: (n) =>
      `quelqu’un, sans doute vous, a demandé à recevoir ${n} à cette adresse. Pour confirmer, ouvrez ce lien\u202F:`,
    button: 'Confirmer mon inscription',
    expires: (h) => `Le lien est valable ${h}\u00a0heures.`,
    ignore:
      'Si ce n’est pas vous, ignorez ce message\u202F: vous ne recevrez rien d’autre et votre adresse sera oubliée.',
  },
  en: {
    subject: (n) => `Confirm your subscription to ${n}`,
    hello: 'Hello,',
    asked: (n) => `someone, probably you, asked to receive ${n} at this address. To confirm, open this link:`,
    button: 'Confirm my subscription',
    expires: (h) => `The link is valid for ${h} hours.`,
    ignore:
      'If it was not you, ignore this message: you will get nothing else and your address will be forgotten.',
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The message's text and HTML, in the signup's language. */
export function confirmationContent(newsletter: string, lang: string, url: string, hours: number) {
  const w = WORDS[lang] ?? WORDS.fr ?? (WORDS.en as Words);
  const text = [w.hello, '', w.asked(newsletter), '', url, '', w.expires(hours), '', w.ignore, ''].join('\n');
  const html = `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem;margin:1rem auto;padding:0 1rem">
<p>${escapeHtml(w.hello)}</p><p>${escapeHtml(w.asked(newsletter))}</p>
<p><a href="${escapeHtml(url)}" style="display:inline-block;padding:.6rem 1.2rem;border-radius:6px;background:#00607a;color:#fff;text-decoration:none">${escapeHtml(w.button)}</a></p>
<p style="font-size:.9em;word-break:break-all">${escapeHtml(url)}</p>
<p>${escapeHtml(w.expires(hours))}</p><p>${escapeHtml(w.ignore)}</p></body></html>`;
  return { subject: w.subject(newsletter), text, html };
}

export function confirmationUrl(deps: SendDeps, s: SignupRow, hours: number, nowMs = Date.now()): string {
  const expires = Math.floor(nowMs / 1000) + hours * 3600;
  const token = signConfirmToken({ signupId: s.id, expires }, s.nonce, deps.settings.secret);
  return `${deps.settings.publicUrl.replace(/\/+$/, '')}/confirm/${token}`;
}

/** Sends signup `id`'s confirmation once: claimed before SMTP, recorded after. */
export async function sendConfirmation(
  deps: SendDeps,
  id: number,
  hours: number,
): Promise<ConfirmationResult> {
  const db = deps.store.db;
  const s = await claimConfirmation(db, id);
  if (!s) return 'not-mine';
  const { subject, text, html } = confirmationContent(
    deps.newsletter.name,
    s.lang,
    confirmationUrl(deps, s, hours),
    hours,
  );
  const domain = deps.settings.messageDomain;
  const messageId = `<numero.s${s.id}.${randomBytes(6).toString('hex')}@${domain}>`;
  const raw = buildRaw({
    from: deps.newsletter.from,
    to: { name: s.name, address: s.email },
    subject,
    messageId,
    date: new Date(),
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Numero-Signup': String(s.id) },
    shared: '',
    text: qpBody(text),
    html: qpBody(html),
  });
  const answer = await submit(deps, {
    messageId,
    envelope: { from: `bounces@${deps.settings.bounceDomain}`, to: s.email },
    raw,
  });
  return settleTransactional(deps, answer, {
    messageId,
    events: { sent: 'signup.confirmation_sent', failed: 'signup.confirmation_failed' },
    fields: { signupId: s.id },
    mark: (status, id) => markConfirmation(db, s.id, status, id),
  });
}
