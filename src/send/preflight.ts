import type { Config } from '../config.ts';
import { mailDomainOf } from './message.ts';

/**
 * What Gmail, Yahoo and the law ask of bulk mail, checked against this configuration before a
 * send to a real relay (SMTP_URL set; the built-in capture needs nothing). Errors stop `numero send`
 * unless `--force`; warnings are printed. `numero doctor` shows both.
 */
export interface Preflight {
  errors: string[];
  warnings: string[];
}

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[?::1\]?|0\.0\.0\.0)$/i;

/** The organisational domain, approximately (the last two labels; three under a short second level such as co.uk). */
export function orgDomain(domain: string): string {
  const labels = domain.toLowerCase().split('.');
  const n =
    labels.length >= 3 && (labels.at(-1)?.length ?? 0) === 2 && (labels.at(-2)?.length ?? 0) <= 3 ? 3 : 2;
  return labels.slice(-n).join('.');
}

export function preflight(cfg: Config, newsletter: { from: string }): Preflight {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!cfg.smtpUrl) return { errors, warnings };
  const publicUrl = new URL(cfg.publicUrl);
  if (LOOPBACK.test(publicUrl.hostname))
    errors.push(
      `PUBLIC_URL is ${cfg.publicUrl}: readers cannot reach a loopback address, so their unsubscribe links would not work. Set PUBLIC_URL to the public https address of numero serve.`,
    );
  else if (publicUrl.protocol !== 'https:')
    errors.push(
      `PUBLIC_URL is ${cfg.publicUrl}: one-click unsubscribe (RFC 8058, required by Gmail and Yahoo) needs https.`,
    );
  if (!cfg.unsubscribeSecret)
    errors.push('UNSUBSCRIBE_SECRET is not set: unsubscribe links cannot be signed (openssl rand -hex 32).');
  const fromDomain = mailDomainOf(newsletter.from)?.toLowerCase() ?? '';
  const dkim = cfg.send.dkim;
  if (!dkim)
    warnings.push(
      'no DKIM signature (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY): Gmail and Yahoo require bulk senders to sign.',
    );
  else if (orgDomain(dkim.domainName) !== orgDomain(fromDomain))
    warnings.push(
      `DKIM_DOMAIN ${dkim.domainName} does not align with the From domain ${fromDomain}: DMARC needs them in the same organisational domain.`,
    );
  const bounce = cfg.send.bounceDomain;
  if (bounce && orgDomain(bounce) !== orgDomain(fromDomain))
    warnings.push(
      `BOUNCE_DOMAIN ${bounce} is outside the From domain's organisational domain (${orgDomain(fromDomain)}): SPF will not align for DMARC.`,
    );
  return { errors, warnings };
}
