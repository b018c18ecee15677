import { firstAddress } from './addresses.ts';
import { type MimePart, textOf } from './mime.ts';

/** One recipient's block of a delivery-status report (RFC 3464), the fields a classifier reads. */
export interface DsnRecipient {
  /** The address that failed: Final-Recipient (or Original-Recipient, X-Actual-Recipient when it is missing). */
  recipient: string | null;
  /** Original-Recipient: the address as the sender gave it, before any alias was expanded. */
  original: string | null;
  action: string;
  status: string | null;
  diagnostic: string;
  remoteMta: string | null;
}

const FIELDS = /^(final-recipient|original-recipient|action|status|diagnostic-code)\s*:/im;

/** The per-recipient blocks of a message/delivery-status part (or of a text that carries the fields inline). */
export function dsnRecipients(part: MimePart | string): DsnRecipient[] {
  const text = typeof part === 'string' ? part : textOf(part);
  const out: DsnRecipient[] = [];
  for (const f of recipientBlocks(text.slice(0, 256 * 1024))) {
    const final = firstAddress(f.get('final-recipient'));
    const original = rfc822(f.get('original-recipient'));
    const actual = rfc822(f.get('x-actual-recipient'));
    if (!final && !original && !actual) continue;
    // "ction: failed" and other damage: a block with a status or a diagnostic still reports a failure.
    const action =
      (f.get('action') ?? '').toLowerCase().trim() ||
      (f.get('status') || f.get('diagnostic-code') ? 'failed' : '');
    out.push({
      recipient: final ?? original ?? actual,
      original,
      action,
      status: f.get('status')?.trim() ?? null,
      diagnostic: (f.get('diagnostic-code') ?? '').replace(/^\s*[a-z0-9-]+\s*;\s*/i, '').trim(),
      remoteMta: f.get('remote-mta') ?? null,
    });
  }
  return out;
}

/**
 * The report's field blocks: blank lines separate them, and so does a recipient field met again
 * (some servers write every recipient's fields in one block).
 */
function recipientBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  const close = () => {
    if (current.size) blocks.push(current);
    current = new Map();
    last = null;
  };
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    if (!raw.trim()) {
      close();
      continue;
    }
    if (/^[ \t]/.test(raw) && last) {
      current.set(last, `${current.get(last) ?? ''} ${raw.trim()}`.slice(0, 4000));
      continue;
    }
    const i = raw.indexOf(':');
    if (i <= 0) continue;
    const name = raw.slice(0, i).trim().toLowerCase();
    if ((name === 'final-recipient' || name === 'original-recipient') && current.has(name)) close();
    if (!current.has(name))
      current.set(
        name,
        raw
          .slice(i + 1)
          .trim()
          .slice(0, 4000),
      );
    last = name;
  }
  close();
  return blocks;
}

/** Only an rfc822 address type is an address numero could have sent to ("rfc822; x@y"). */
function rfc822(value: string | undefined): string | null {
  if (!value) return null;
  const semi = value.indexOf(';');
  if (semi >= 0 && !/^\s*rfc822\s*$/i.test(value.slice(0, semi))) return null;
  return firstAddress(value);
}

/** Whether a text carries DSN fields inline (a report whose MIME structure was lost). */
export function hasInlineDsn(text: string): boolean {
  return FIELDS.test(text) && /^final-recipient\s*:/im.test(text) && /^(action|status)\s*:/im.test(text);
}
