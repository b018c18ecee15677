import { findAddresses } from './addresses.ts';
import {
  foldText,
  OTHERS,
  RECIPIENT,
  type Reason,
  reasonIn,
  SENDER_FAMILIES,
  STRONG,
  type Stage,
  stageIn,
} from './reasons.ts';

/**
 * The failure policy: one answer, for any failure whatever door it came through (an SMTP reply
 * during the send, a DSN, a bounce written for people, a provider's webhook), to three questions:
 *
 * - whose fault is it: the reader's address (`recipient`), the receiving system or the network on
 *   the way (`transport`), the sender, its domain, IP or reputation (`sender`), or the message
 *   itself (`message`);
 * - what kind of failure it is (`hard`, `soft`, `policy`; complaints and auto-replies come from
 *   their own reports);
 * - what numero does about it (`effect`): suppress the address everywhere, count a soft bounce,
 *   nothing for the reader but a mark against the campaign, or a complaint's unsubscribe.
 *
 * Only a failure about the reader's own address changes a reader: a refusal at the connection,
 * the greeting or MAIL FROM, a 5.1.7/5.1.8 or 5.7.x status, authentication, reputation and
 * blocklist wording are the sender's, whatever the words say about the recipient.
 */
export type BounceKind = 'hard' | 'soft' | 'policy' | 'complaint' | 'autoreply' | 'unknown';
export type Fault = 'recipient' | 'transport' | 'sender' | 'message' | 'none';
export type Effect = 'suppress' | 'count-soft' | 'against-campaign' | 'complaint' | 'none';

export interface Failure {
  /** RFC 3463 enhanced status code ("5.1.1"), when there is one. */
  status: string | null;
  /** The SMTP reply code (550), when known. */
  reply: number | null;
  /** The words: the diagnostic, or the part of a bounce that is about this recipient. */
  text: string;
  /** Where in the SMTP dialogue, when known (the send path knows; a bounce may say). */
  stage?: Stage | null;
  /** A DSN's Action: delayed is never final. */
  delayed?: boolean;
  /** The refusal names the sender's own address ("<us@…> From: Domain is invalid"): about the sender. */
  aboutSender?: boolean;
}

export interface Judgement {
  kind: Exclude<BounceKind, 'complaint' | 'autoreply' | 'unknown'>;
  fault: Fault;
  reason: Reason;
  effect: Effect;
}

export const EFFECT_OF: Record<BounceKind, Effect> = {
  hard: 'suppress',
  soft: 'count-soft',
  policy: 'against-campaign',
  complaint: 'complaint',
  autoreply: 'none',
  unknown: 'none',
};

const HARD = new Set<Reason>(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);
const SENDER = new Set<Reason>([
  'blocked',
  'rejected',
  'badreputation',
  'requireptr',
  'authfailure',
  'norelaying',
]);
const MESSAGE = new Set<Reason>([
  'spamdetected',
  'virusdetected',
  'contenterror',
  'policyviolation',
  'securityerror',
  'mesgtoobig',
  'exceedlimit',
  'syntaxerror',
]);
const RECIPIENT_SOFT = new Set<Reason>(['mailboxfull', 'suspend', 'filtered']);

/** What each reason means, before the temporary/permanent test. */
export function faultOf(reason: Reason): Fault {
  if (HARD.has(reason) || RECIPIENT_SOFT.has(reason)) return reason === 'filtered' ? 'message' : 'recipient';
  if (SENDER.has(reason)) return 'sender';
  if (MESSAGE.has(reason)) return 'message';
  return 'transport';
}

export function judge(f: Failure): Judgement {
  const reason = reasonOf(f);
  const fault = faultOf(reason);
  const temporary =
    f.delayed === true ||
    (f.status ? f.status.startsWith('4') : f.reply !== null && f.reply >= 400 && f.reply < 500);
  let kind: Judgement['kind'];
  if (temporary) kind = 'soft';
  else if (HARD.has(reason)) kind = 'hard';
  else if (fault === 'sender' || fault === 'message') kind = 'policy';
  else kind = 'soft';
  return { kind, fault, reason, effect: EFFECT_OF[kind] };
}

/** A 3463 code whose meaning is precise enough to trust over the words. */
const STRONG_CODES: Record<string, Reason> = {
  '1.1': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.10': 'notaccept',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.4': 'mesgtoobig',
  '4.7': 'expired',
  '7.25': 'requireptr',
  '7.23': 'authfailure',
  '7.26': 'authfailure',
  '7.27': 'rejected',
};

/** What a code says when the words say nothing clear. */
function codeReason(sd: string): Reason | null {
  const strong = STRONG_CODES[sd];
  if (strong) return strong;
  const [subject, detail] = sd.split('.');
  switch (subject) {
    case '1':
      return detail === '0' ? 'rejected' : 'userunknown';
    case '2':
      return detail === '1' ? 'suspend' : detail === '4' ? 'systemerror' : null;
    case '3':
      return 'systemerror';
    case '4':
      return detail === '4'
        ? 'networkerror'
        : detail === '5'
          ? 'toomanyconn'
          : detail === '3' || detail === '6'
            ? 'systemerror'
            : 'networkerror';
    case '5':
      return 'syntaxerror';
    case '6':
      return 'contenterror';
    case '7':
      return detail === '0' ? 'securityerror' : detail === '1' ? 'blocked' : 'securityerror';
    default:
      return null;
  }
}

/** URLs and addresses say nothing about the failure ("…/reason/#blocked", "spam@example.org"). */
function wordsOf(text: string): string {
  let out = '';
  let last = 0;
  for (const a of findAddresses(text)) {
    out += `${text.slice(last, a.index)} <> `;
    last = a.end;
  }
  out += text.slice(last);
  return foldText(out.replace(/https?:\/\/\S+/gi, ' url '));
}

export function reasonOf(f: Failure): Reason {
  const words = wordsOf(f.text);
  const stage = f.stage ?? stageIn(words);
  const sd = f.status ? f.status.slice(2) : null;
  const code = sd ? codeReason(sd) : null;
  const senderCode = sd !== null && (sd.startsWith('7.') || sd === '1.7' || sd === '1.8');

  // Before the recipient was named (connection, greeting, MAIL FROM): about the sender, or the way there.
  if (stage === 'connect' || stage === 'helo' || stage === 'mail') {
    const r = reasonIn(words, STRONG) ?? reasonIn(words, SENDER_FAMILIES);
    if (r) return r;
    // No reply at all (a connection that timed out, DNS): the way there, not the sender.
    const way = reasonIn(words, OTHERS);
    if (f.reply === null && !f.status && way && (way === 'expired' || way === 'networkerror')) return way;
    return stage === 'mail' ? 'rejected' : 'blocked';
  }
  const strong = reasonIn(words, STRONG);
  if (strong) return strong;
  if (f.aboutSender && !(sd && HARD.has(STRONG_CODES[sd] as Reason))) return 'rejected';
  if (senderCode) {
    const r = reasonIn(words, OTHERS);
    return r && (SENDER.has(r) || MESSAGE.has(r)) ? r : (code ?? 'blocked');
  }
  if (sd && STRONG_CODES[sd]) {
    // 5.4.4 and the like are resolved by the words below; these codes mean one thing only.
    return STRONG_CODES[sd] as Reason;
  }
  const words1 = reasonIn(words, RECIPIENT);
  if (words1) return words1;
  // A specific code of the message's or the protocol's class says more than generic words.
  if (code && sd && (sd.startsWith('6.') || sd.startsWith('5.'))) return code;
  const other = reasonIn(words, OTHERS);
  if (other) return other;
  if (code) return code;
  if (f.reply !== null) {
    if (f.reply >= 500 && f.reply <= 504) return 'syntaxerror';
    if (f.reply === 421 || f.reply === 554) return 'systemerror';
  }
  return 'undefined';
}

/**
 * One same reply for this many readers at this many domains in a row (nothing accepted between) is
 * the sender's, whatever it says: no mailbox provider words its refusals like every other, so a
 * reply shared across domains comes from the way out (the relay, a filter), not from the readers.
 */
export const SAME_REPLY_STREAK = { readers: 20, domains: 5 } as const;

/** A reply without what differs per reader (addresses, ids, addresses of hosts): "the same text". */
export function replyKey(text: string): string {
  let out = '';
  let last = 0;
  for (const a of findAddresses(text.slice(0, 2000))) {
    out += `${text.slice(last, a.index)}<>`;
    last = a.end;
  }
  out += text.slice(last, 2000);
  return foldText(out)
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '#ip')
    .replace(/\b(?=[a-z0-9]{0,40}\d)[a-z0-9]{8,40}\b/g, '#id')
    .slice(0, 300);
}
