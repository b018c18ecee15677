import { createPublicKey } from 'node:crypto';

/**
 * What the From domain publishes in DNS, checked against what numero signs with: the DKIM public
 * key at SELECTOR._domainkey (and that it matches DKIM_PRIVATE_KEY), an SPF record, a DMARC policy.
 * Each finding says what to publish when something is missing. `numero doctor` runs it.
 */
export interface DnsFinding {
  ok: boolean;
  what: 'dkim' | 'spf' | 'dmarc';
  message: string;
}

export type TxtResolver = (name: string) => Promise<string[][]>;

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

async function txt(resolve: TxtResolver, name: string): Promise<string[]> {
  try {
    return (await resolve(name)).map((chunks) => chunks.join(''));
  } catch (e) {
    if (NOT_FOUND.has((e as { code?: string }).code ?? '')) return [];
    throw e; // DNS itself unreachable: the caller says so
  }
}

export async function checkDns(
  resolve: TxtResolver,
  o: { fromDomain: string; dkim: { domainName: string; keySelector: string; privateKey: string } | null },
): Promise<DnsFinding[]> {
  const findings: DnsFinding[] = [];
  if (o.dkim) {
    const name = `${o.dkim.keySelector}._domainkey.${o.dkim.domainName}`;
    const ours = (
      createPublicKey(o.dkim.privateKey).export({ type: 'spki', format: 'der' }) as Buffer
    ).toString('base64');
    const record = (await txt(resolve, name)).find((r) => /(^|;)\s*p=/.test(r));
    const published = record ? (/(?:^|;)\s*p=([^;]*)/.exec(record)?.[1] ?? '').replace(/\s+/g, '') : null;
    findings.push(
      published === ours
        ? { ok: true, what: 'dkim', message: `${name} publishes the public key of DKIM_PRIVATE_KEY` }
        : {
            ok: false,
            what: 'dkim',
            message: `${name} ${published === null ? 'has no DKIM key' : 'publishes another key than DKIM_PRIVATE_KEY'}: publish TXT "v=DKIM1; k=rsa; p=${ours}"`,
          },
    );
  }
  const spf = (await txt(resolve, o.fromDomain)).find((r) => r.toLowerCase().startsWith('v=spf1'));
  findings.push(
    spf
      ? { ok: true, what: 'spf', message: `${o.fromDomain}: ${spf}` }
      : {
          ok: false,
          what: 'spf',
          message: `${o.fromDomain} has no SPF record: publish TXT "v=spf1 include:<your relay's SPF domain> ~all"`,
        },
  );
  const dmarc = (await txt(resolve, `_dmarc.${o.fromDomain}`)).find((r) =>
    r.toUpperCase().startsWith('V=DMARC1'),
  );
  findings.push(
    dmarc
      ? { ok: true, what: 'dmarc', message: `_dmarc.${o.fromDomain}: ${dmarc}` }
      : {
          ok: false,
          what: 'dmarc',
          message: `_dmarc.${o.fromDomain} has no DMARC policy (Gmail and Yahoo require one): publish TXT "v=DMARC1; p=none; rua=mailto:dmarc@${o.fromDomain}"`,
        },
  );
  return findings;
}
