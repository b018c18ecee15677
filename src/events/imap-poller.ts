import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { Store } from '../store/db.ts';
import { type InboundSettings, processInbound } from './pipeline.ts';

/**
 * For senders whose bounces land in a mailbox they do not run: every interval, read what is in the
 * mailbox, hand each message to the pipeline, and move it to BOUNCE_IMAP_DONE_MAILBOX. Two pollers
 * on two machines may read the same message: the pipeline records it by digest, so the second
 * reading changes nothing, and the second move finds it gone (fine). A message the pipeline could
 * not handle (the database away) stays where it is for the next round.
 */

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** imaps://user:password@host:993/INBOX (imap:// is plain, for loopback and tests). */
export function parseImapUrl(url: string): ImapTarget {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

export interface PollOptions {
  url: string;
  doneMailbox: string;
  store: Store;
  settings: InboundSettings;
  log: Logger;
  /** At most this many messages per round. */
  batch?: number;
  /** INBOUND_MAX_BYTES: a larger message is moved to the done mailbox unread (and logged). */
  maxBytes?: number;
}

export interface PollResult {
  read: number;
  handled: number;
  duplicates: number;
  left: number;
  /** Messages over INBOUND_MAX_BYTES, moved aside unread. */
  tooBig?: number;
}

export async function pollMailboxOnce(o: PollOptions): Promise<PollResult> {
  const t = parseImapUrl(o.url);
  const client = new ImapFlow({
    host: t.host,
    port: t.port,
    secure: t.secure,
    auth: { user: t.user, pass: t.pass },
    logger: false,
    // Plain imap:// is for loopback; anything else must be imaps:// or upgrade with STARTTLS.
    doSTARTTLS: t.secure ? undefined : !(t.host === '127.0.0.1' || t.host === 'localhost'),
  });
  client.on('error', (e: Error) => o.log.warn({ err: e.message }, 'imap connection error'));
  const result: PollResult = { read: 0, handled: 0, duplicates: 0, left: 0 };
  await client.connect();
  try {
    await client.mailboxCreate(o.doneMailbox).catch(() => {}); // already there
    const lock = await client.getMailboxLock(t.mailbox);
    try {
      // Sizes first: a message over the bound is never downloaded, one by one the rest.
      const listed = (await client.fetchAll('1:*', { uid: true, size: true })).slice(0, o.batch ?? 200);
      const done: number[] = [];
      const maxBytes = o.maxBytes ?? 10 * 1024 * 1024;
      for (const m of listed) {
        if ((m.size ?? 0) > maxBytes) {
          result.tooBig = (result.tooBig ?? 0) + 1;
          o.log.warn(
            { uid: m.uid, size: m.size, maxBytes },
            'imap message over INBOUND_MAX_BYTES: moved aside unread',
          );
          done.push(m.uid);
          continue;
        }
        const full = await client.fetchOne(String(m.uid), { uid: true, source: true }, { uid: true });
        if (full === false || !full.source) continue;
        result.read++;
        try {
          const r = await processInbound(o.store, { raw: full.source, source: 'imap' }, o.settings);
          if (r.duplicate) result.duplicates++;
          else result.handled++;
          done.push(full.uid);
        } catch (e) {
          result.left++;
          o.log.warn(
            { err: (e as Error).message, uid: full.uid },
            'imap message not handled: left in the mailbox for the next round',
          );
        }
      }
      if (done.length) {
        // Another poller may have moved some already: whatever is left of them moves now.
        await client.messageMove(done.join(','), o.doneMailbox, { uid: true }).catch((e: Error) => {
          o.log.info({ err: e.message }, 'imap move: some messages were already moved');
        });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => {});
  }
  return result;
}

/** Polls until stopped; a failed round (server away) is logged and retried at the next interval. */
export function startImapPoller(o: PollOptions & { intervalMs: number }): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const round = () => {
    running = pollMailboxOnce(o)
      .then((r) => {
        if (r.read) o.log.info(r, 'imap round');
      })
      .catch((e: Error) =>
        o.log.warn({ err: e.message }, 'imap round failed: trying again at the next interval'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(round, o.intervalMs);
      });
  };
  round();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
