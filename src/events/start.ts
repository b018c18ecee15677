import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Store } from '../store/db.ts';
import { startImapPoller } from './imap-poller.ts';
import { startInboundSmtp } from './inbound-smtp.ts';
import type { InboundSettings } from './pipeline.ts';

export function inboundSettings(cfg: Config): InboundSettings {
  return {
    unsubscribeSecret: cfg.unsubscribeSecret,
    softBounceLimit: cfg.inbound.softBounceLimit,
    keepDays: cfg.inbound.keepDays,
    legacyDays: cfg.inbound.legacyDays,
  };
}

/** The doors the configuration opens: the SMTP listener and/or the IMAP poller. */
export async function startInbound(
  cfg: Config,
  store: Store,
  log: Logger,
): Promise<{ description: string; port: number | null; stop(): Promise<void> }> {
  const settings = inboundSettings(cfg);
  const parts: string[] = [];
  const smtp = cfg.inbound.smtp
    ? await startInboundSmtp({ store, settings, domains: cfg.inbound.domains, log, ...cfg.inbound.smtp })
    : null;
  if (smtp && cfg.inbound.smtp)
    parts.push(`SMTP on ${cfg.inbound.smtp.host}:${smtp.port} for ${cfg.inbound.domains.join(', ')}`);
  const imap = cfg.inbound.imap
    ? startImapPoller({
        store,
        settings,
        log,
        url: cfg.inbound.imap.url,
        doneMailbox: cfg.inbound.imap.doneMailbox,
        intervalMs: cfg.inbound.imap.intervalMs,
        maxBytes: cfg.inbound.maxBytes,
      })
    : null;
  if (imap && cfg.inbound.imap)
    parts.push(`polling ${new URL(cfg.inbound.imap.url).host} every ${cfg.inbound.imap.intervalMs / 1000} s`);
  return {
    description: `numero inbound: ${parts.join('; ')} (database ${store.description})`,
    port: smtp?.port ?? null,
    async stop() {
      await imap?.stop();
      await smtp?.close();
    },
  };
}
