import { findAddresses } from './addresses.ts';
import { allParts, header, type MimePart, textOf } from './mime.ts';

/**
 * The part of a bounce written for people: its text parts (HTML as text when there is no plain
 * one), without the returned original (attached, or pasted below a "copy of the message" line),
 * without a forwarder's `> ` quoting, each line bounded. Linear in the size of the message.
 */
const LINE_MAX = 2000;
const TEXT_MAX = 256 * 1024;

export function reportText(root: MimePart, parts: MimePart[]): string {
  return splitReport(root, parts).report;
}

/** The report, and the original pasted below it (its sender is not the failed recipient). */
export function splitReport(root: MimePart, parts: MimePart[]): { report: string; pasted: string } {
  const original = new Set<MimePart>();
  for (const p of parts) {
    if (p === root) continue;
    if (
      p.type === 'message/rfc822' ||
      p.type === 'message/global' ||
      p.type.endsWith('rfc822-headers') ||
      p.type === 'text/global-headers'
    )
      for (const q of allParts(p)) original.add(q);
  }
  const leaves = parts.filter((p) => !original.has(p) && !p.type.startsWith('multipart/'));
  const isText = (p: MimePart) =>
    p.type === 'text/plain' ||
    (p === root && !p.type.startsWith('message/')) ||
    (p.type.startsWith('multipart/') && !p.parts.length);
  let texts = leaves.filter(isText).map(textOf);
  // A multipart whose boundary never occurs: its body is the text.
  if (!texts.length && root.type.startsWith('multipart/') && !root.parts.length) texts = [textOf(root)];
  if (!texts.length) texts = leaves.filter((p) => p.type === 'text/html').map((p) => htmlToText(textOf(p)));
  return cutOriginal(unquote(texts.join('\n').slice(0, TEXT_MAX)));
}

/** The senders a pasted original names (Return-Path, From, Sender lines). */
export function pastedSenders(pasted: string): string[] {
  const out: string[] = [];
  for (const line of pasted.split('\n', 200)) {
    if (/^\s*(return-path|from|sender|reply-to)\s*:/i.test(line))
      for (const a of findAddresses(line, 5)) out.push(a.address);
  }
  return out;
}

/** Lines that say the returned original follows: what comes after is not the report. */
function isOriginalMarker(line: string): boolean {
  const l = line.trim().toLowerCase();
  if (!l) return false;
  const dashed = l.startsWith('--') || l.startsWith('==') || l.startsWith('**');
  const words = [
    'copy of the message',
    'copy of the original',
    'original message follows',
    'returned message',
    'unsent message follows',
    'header of the original',
    'headers of the original',
    'original mail as follows',
    'original message',
    'message headers follow',
    'enclosed is a copy',
    'below is a copy',
    'the attachment contains the original',
    'this is a copy of',
    'original message headers',
    'undelivered message follows',
    "message d'origine",
    'en-têtes de message',
    'en-tetes du message',
    'message original',
    'ursprüngliche nachricht',
    'kopfzeilen der ursprünglichen',
    'mensaje original',
    'encabezados del mensaje',
    'messaggio originale',
    'intestazioni del messaggio',
    'mensagem original',
    'исходное сообщение',
    'заголовки исходного',
  ];
  // Dashed rulers may say it anywhere; a sentence must begin with it ("…delete your own text from
  // the attached returned message" is advice, not a marker).
  return dashed ? words.some((w) => l.includes(w)) : words.some((w) => l.startsWith(w)) && l.length < 80;
}

function cutOriginal(text: string): { report: string; pasted: string } {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (isOriginalMarker(line) && out.some((l) => l.trim())) break;
    out.push(line.length > LINE_MAX ? line.slice(0, LINE_MAX) : line.replace(/\r$/, ''));
  }
  return { report: out.join('\n'), pasted: lines.slice(i, i + 200).join('\n') };
}

/** A bounce forwarded by a person: most lines start with `>`. */
function unquote(text: string): string {
  const lines = text.split('\n');
  const nonEmpty = lines.filter((l) => l.trim());
  const quoted = nonEmpty.filter((l) => l.startsWith('>') && !l.startsWith('>>>'));
  if (nonEmpty.length < 4 || quoted.length < nonEmpty.length * 0.6) return text;
  return lines.map((l) => (l.startsWith('>') && !l.startsWith('>>>') ? l.replace(/^> ?/, '') : l)).join('\n');
}

function htmlToText(html: string): string {
  return html
    .slice(0, TEXT_MAX)
    .replace(/<(script|style)\b[^>]{0,200}>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^<>]{0,2000}>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Addresses a report names as failed, in order, and the lines that are about each. */
export interface TextRecipient {
  address: string;
  /** The lines about this recipient: from its line to the next recipient's (or, for a transcript, the lines before it). */
  segment: string;
}

/** Words before an address that make it the failed recipient. */
const BEFORE_RECIPIENT = [
  'rcpt to:',
  'rcpt to',
  'recipient:',
  'recipient',
  'recipients:',
  'addressed to:',
  'delivering your mail to',
  'delivering your message to',
  'delivered to:',
  'delivered to',
  'deliver to',
  'delivery to',
  'message to',
  'mail to',
  'failed to send to',
  'could not be delivered to:',
  'not be delivered to',
  'rejected recipient',
  'final-recipient:',
  'original-recipient:',
  'address:',
  'user:',
  'to',
  'for',
  'in',
];
const SENT_BY = ['sent by', 'message from', 'sender:', 'from:', 'from', 'sent from'];

/** Words before an address that make it someone else: the sender, a contact, a message id. */
const BEFORE_OTHER = [
  'from:',
  'from',
  'mail from:',
  'mail from',
  'envelope-from',
  'return-path:',
  'message-id:',
  'in-reply-to:',
  'references:',
  'reply-to:',
  'sender:',
  'contact',
  'contact us at',
  'send mail to',
  'mailto:',
  'please contact',
  'cc:',
  'yourself',
  'expanded from',
  'generated from',
  'forwarded from',
  'alias',
  'by',
  'id',
];

export function textRecipients(text: string, exclude: ReadonlySet<string>): TextRecipient[] {
  const lines = text.split('\n');
  const hits: Array<{ address: string; line: number; transcript: boolean }> = [];
  const weak: string[] = [];
  lines.forEach((line, i) => {
    const previous = lines[i - 1]?.trim().toLowerCase() ?? '';
    for (const a of findAddresses(line, 20)) {
      if (exclude.has(a.address) || looksLikeId(a.address)) continue;
      const before = line
        .slice(0, a.index)
        .replace(/[<"'([\s]+$/, '')
        .trim()
        .toLowerCase();
      const after = line.slice(a.end).replace(/^[>"')\]]+/, '');
      const lastWords = before.split(/\s+/).slice(-5).join(' ');
      // A summary of the original's headers ("To: x", "Cc: y"): a hint, not the failed recipient.
      if (/^(to|cc|bcc|from|sent|date|subject)\s*:$/.test(before)) {
        weak.push(a.address);
        continue;
      }
      if (BEFORE_OTHER.some((w) => lastWords === w || lastWords.endsWith(` ${w}`))) continue;
      // "A message sent by\n  <sender@…>": the words before may end the line above.
      if (!before && SENT_BY.some((w) => previous.endsWith(w))) continue;
      const code = /^[245]\d\d$/.test(before);
      const atStart = before === '' || code || /^[\s>*-]*$/.test(before);
      const named = BEFORE_RECIPIENT.some((w) => lastWords === w || lastWords.endsWith(` ${w}`));
      if (atStart || named || /^\s*(:|\.\.\.|\s+on\s)/.test(after)) {
        hits.push({ address: a.address, line: i, transcript: code });
      } else weak.push(a.address);
    }
  });
  const order: string[] = [];
  for (const h of hits) if (!order.includes(h.address)) order.push(h.address);
  if (!order.length) {
    const first = weak[0];
    return first ? [{ address: first, segment: text }] : [];
  }
  if (order.length === 1) return [{ address: order[0] as string, segment: text }];
  // Several: each gets its own lines. Where each recipient's block begins.
  const starts = order.map((address) => hits.find((h) => h.address === address) as (typeof hits)[number]);
  return starts.map((h) => {
    // Its block ends where another recipient's line begins (or, for a transcript, begins after the previous one).
    const next = hits.find((x) => x.line > h.line && x.address !== h.address)?.line ?? lines.length;
    const prev = [...hits].reverse().find((x) => x.line < h.line && x.address !== h.address)?.line ?? -1;
    const own = h.transcript ? lines.slice(prev + 1, h.line + 1) : lines.slice(h.line, next);
    // Lines elsewhere that name this address (a transcript below the list) belong to it too.
    const more = lines.filter((l, i) => (i < h.line || i >= next) && l.toLowerCase().includes(h.address));
    return { address: h.address, segment: [...own, ...more].join('\n') };
  });
}

/** Message-IDs and queue ids look like addresses: a long run of digits and dots before the @. */
function looksLikeId(address: string): boolean {
  const local = address.slice(0, address.indexOf('@'));
  return (
    /^[\d.$-]{8,}/.test(local) ||
    /^[0-9a-f]{8,}\.[0-9a-f]{3,}/.test(local) ||
    /^\d{6,}\.[a-z0-9]{6,}/.test(local)
  );
}

/** The bounce's own addresses (its From, To, Reply-To) and the original's sender: never the failed recipient. */
export function ownAddresses(root: MimePart, parts: MimePart[]): Set<string> {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    for (const a of findAddresses(v ?? '', 10)) out.add(a.address);
  };
  add(header(root, 'from'));
  add(header(root, 'to'));
  add(header(root, 'reply-to'));
  add(header(root, 'return-path'));
  for (const p of parts) {
    if (p === root || !p.headers.size || p.type.startsWith('multipart/')) continue;
    if (header(p, 'message-id') || header(p, 'return-path')) {
      add(header(p, 'from'));
      add(header(p, 'return-path'));
      add(header(p, 'sender'));
    }
  }
  return out;
}
