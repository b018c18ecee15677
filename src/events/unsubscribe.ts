import { unsubscribe } from '../audience/membership.ts';
import { isTestClaims, verifyUnsubscribeToken } from '../audience/unsubscribe-token.ts';
import type { Db } from '../store/audience.ts';

/**
 * A message received for `unsubscribe+TOKEN@…` (the mailto: of List-Unsubscribe). The inbound
 * pipeline calls this with the envelope recipients; a recipient whose token does
 * not verify is ignored. The change itself is the membership module's unsubscribe. Returns how
 * many valid unsubscribe requests the message carried.
 */
export async function handleUnsubscribeMail(
  db: Db,
  secret: string,
  recipients: readonly string[],
): Promise<number> {
  let handled = 0;
  for (const rcpt of recipients) {
    const m = /^unsubscribe\+([^@]+)@/i.exec(rcpt.trim());
    const claims = m?.[1] ? verifyUnsubscribeToken(m[1], secret) : null;
    if (!claims || isTestClaims(claims)) continue; // a test copy's link changes nothing
    await unsubscribe(db, claims, 'mailto');
    handled++;
  }
  return handled;
}
