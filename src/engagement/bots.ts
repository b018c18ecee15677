import { isbot } from 'isbot';

/**
 * Who asked for a tracked link or the open image, as far as one request can tell: a person, or a
 * machine and which kind. The request alone: HEAD (link checkers), the user agents of mail
 * security scanners and image proxies, and the generic crawler patterns of `isbot`. A scanner that
 * poses as a browser is caught by what it does instead (src/engagement/recorder.ts: every link of
 * one message within seconds). No address is kept: the verdict is all that is stored.
 */
export type MachineReason =
  | 'head'
  | 'no-agent'
  | 'mail-scanner'
  | 'image-proxy'
  | 'apple-mpp'
  | 'crawler'
  | 'burst';

/** Mail security gateways and link scanners that say who they are. */
const SCANNERS =
  /Safe ?Links|BingPreview|Microsoft Office Existence Discovery|ms-office|Proofpoint|Mimecast|Barracuda|Symantec|Forcepoint|Sophos|Trend ?Micro|FireEye|Trellix|IronPort|Cisco|Zscaler|Bitdefender|Check ?Point|SpamTitan|Avanan|Cloudmark|Vade ?Secure|VadeRetro|MailChannels|Libraesva|Hornet ?Security|Agari|Abnormal/i;
/** Webmail image proxies: they fetch on behalf of a reader (Gmail when the message is opened). */
const PROXIES =
  /GoogleImageProxy|ggpht\.com|YahooMailProxy|Yahoo! Slurp|OutlookImageProxy|Thunderbird-Proxy/i;

export function machineRequest(method: string, userAgent: string | undefined): MachineReason | null {
  if (method === 'HEAD') return 'head';
  const ua = (userAgent ?? '').trim();
  if (!ua) return 'no-agent';
  // Apple Mail Privacy Protection loads every image of every message through its proxies, with
  // this bare agent, whether or not the reader opens it.
  if (ua === 'Mozilla/5.0') return 'apple-mpp';
  if (PROXIES.test(ua)) return 'image-proxy';
  if (SCANNERS.test(ua)) return 'mail-scanner';
  if (isbot(ua)) return 'crawler';
  return null;
}
