import { firstAddress } from './addresses.ts';
import { fieldBlocks, header, type MimePart, textOf } from './mime.ts';

/**
 * Complaints: ARF feedback reports (RFC 5965, and RFC 6650's opt-out), in the forms providers send
 * them: Yahoo, AOL, Comcast, Fastmail… (message/feedback-report), reports whose fields arrive in a
 * text/plain part, and Microsoft's JMRP (no report part: an abuse notice with the original attached,
 * the reader named in X-HmXmrOriginalRecipient).
 */
export interface Feedback {
  /** abuse, fraud, opt-out… */
  type: string;
  complaint: boolean;
  recipient: string | null;
}

/** Feedback types that are the reader's complaint; the rest (not-spam, auth-failure, dmarc) are not about them. */
const COMPLAINT_TYPES = new Set([
  'abuse',
  'fraud',
  'virus',
  'other',
  'opt-out',
  'opt-out-list',
  'unsubscribe',
  'complaint',
]);

export function readFeedback(root: MimePart, parts: MimePart[]): Feedback | null {
  const report =
    parts.find((p) => p.type === 'message/feedback-report') ??
    parts.find(
      (p) =>
        p !== root &&
        p.type === 'text/plain' &&
        /^feedback-type\s*:/im.test(textOf(p).slice(0, 8192)) &&
        /^(user-agent|version|original-mail-from|arrival-date|source-ip)\s*:/im.test(
          textOf(p).slice(0, 8192),
        ),
    );
  const original = originalOf(root, parts, report);
  if (report) {
    const fields = new Map<string, string>();
    for (const block of fieldBlocks(textOf(report).slice(0, 64 * 1024)))
      for (const [k, v] of block) if (!fields.has(k)) fields.set(k, v);
    const type = (fields.get('feedback-type') ?? 'abuse').trim().toLowerCase();
    return {
      type,
      complaint: COMPLAINT_TYPES.has(type),
      recipient:
        firstAddress(fields.get('original-rcpt-to')) ??
        firstAddress(fields.get('removal-recipient')) ??
        recipientOfOriginal(original),
    };
  }
  if (isJmrp(root, original))
    return { type: 'abuse', complaint: true, recipient: recipientOfOriginal(original) };
  return null;
}

function originalOf(root: MimePart, parts: MimePart[], report: MimePart | undefined): MimePart | undefined {
  const embedded = parts.find(
    (p) =>
      p !== root &&
      p !== report &&
      (p.type === 'message/rfc822' || p.type === 'text/rfc822-headers' || p.type === 'message/global'),
  );
  return embedded?.parts[0];
}

/** The reader, as the original names them: Microsoft's header for it, then To unless redacted. */
function recipientOfOriginal(original: MimePart | undefined): string | null {
  if (!original) return null;
  const ms = firstAddress(header(original, 'x-hmxmroriginalrecipient'));
  if (ms) return ms;
  const to = firstAddress(header(original, 'to'));
  return to && !/^(redacted|xxx+|\*+)@/i.test(to) ? to : null;
}

/** Microsoft's Junk Mail Reporting Program: from its staff address, or an original carrying its header. */
function isJmrp(root: MimePart, original: MimePart | undefined): boolean {
  if (original && header(original, 'x-hmxmroriginalrecipient')) return true;
  const from = (header(root, 'from') ?? '').toLowerCase();
  const subject = (header(root, 'subject') ?? '').toLowerCase();
  return (
    original !== undefined &&
    (/staff@hotmail\.com/.test(from) || /complaint about message from/.test(subject))
  );
}
