import type { BounceKind } from './classify.ts';

/**
 * A failed delivery's kind from its RFC 3463 enhanced status code, and from the words of the
 * diagnostic where the code is generic (x.0.0, 5.5.x) or missing. The sender's problems (policy,
 * authentication, content, size) are never held against the reader.
 */
const SOFT_WORDS =
  /mailbox (is )?full|over ?quota|quota (exceeded|exceed)|exceeded (the )?(storage|quota)|insufficient (system )?storage|storage (space )?(is )?full|temporar|try again later|deferred|greylist|too many (connections|messages)|rate limit/i;
const HARD_WORDS =
  /user unknown|unknown user|no such (user|mailbox|recipient|address)|does ?n[o']t exist|not exist|no mailbox|mailbox (unavailable|not found|does not exist)|address not found|address couldn.t be found|invalid (recipient|mailbox|address)|recipient (not found|unknown|address rejected)|unknown recipient|user not found|account (is |has been )?(disabled|inactive|closed|deleted|suspended)|not a valid (mailbox|recipient)|doesn.t have a [^ ]+ account|unrouteable|unroutable|host (or domain name )?not found|domain (not found|does not exist)|no mx|does not like recipient|RecipientNotFound|not listed in (the )?([a-z]+ )?directory|mailbox has been (disabled|deleted)/i;
const POLICY_WORDS =
  /spam|block ?list|blacklist|blocked|listed (at|on|in)|reputation|dmarc|\bspf\b|dkim|authenticat|policy|not allowed|content rejected|message rejected|suspicious|virus|malware|message (size|too large)|size limit|too (big|large)|phish|unsolicited/i;

export function kindOfFailure(
  status: string | null,
  text: string,
): Exclude<BounceKind, 'complaint' | 'autoreply' | 'unknown'> {
  const m = status ? /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(status) : null;
  if (m) {
    const [, cls, subject, detail] = m;
    const sd = `${subject}.${detail}`;
    if (cls === '4') return 'soft';
    if (cls === '5') {
      if (subject === '1') return sd === '1.7' || sd === '1.8' ? 'policy' : 'hard';
      if (sd === '2.1') return 'hard';
      if (sd === '2.2') return 'soft';
      if (sd === '2.3' || sd === '3.4') return 'policy';
      if (sd === '4.4' || sd === '4.1') return 'hard';
      if (subject === '4' && detail !== '0') return 'soft';
      if (subject === '6' || subject === '7') return 'policy';
      if (subject === '3' && detail !== '0') return 'soft';
    }
  }
  // Generic or missing code: the words decide; a failure nobody explains is soft (counted, not final).
  if (SOFT_WORDS.test(text)) return 'soft';
  if (HARD_WORDS.test(text)) return 'hard';
  if (POLICY_WORDS.test(text)) return 'policy';
  return 'soft';
}
