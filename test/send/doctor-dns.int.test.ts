import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dns2 from 'dns2';
import { afterEach, describe, expect, it } from 'vitest';
import { numero } from '../helpers/cli.ts';
import { ISSUES_DIR } from '../helpers/fixtures.ts';

type Server = ReturnType<typeof dns2.createServer>;
let server: Server | undefined;
let dir = '';
afterEach(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A real DNS server on a free loopback UDP port that answers TXT queries from `zone`. */
async function startDns(zone: Record<string, string[]>): Promise<number> {
  const s = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = dns2.Packet.createResponseFromRequest(request);
      const name = request.questions[0]?.name ?? '';
      for (const record of zone[name.toLowerCase()] ?? []) {
        // A TXT record is a list of strings of at most 255 bytes (a DKIM key takes two): split as DNS does.
        const data = record.match(/.{1,255}/g) ?? [];
        response.answers.push({
          name,
          type: dns2.Packet.TYPE.TXT,
          class: dns2.Packet.CLASS.IN,
          ttl: 60,
          data,
        } as never);
      }
      send(response);
    },
  });
  server = s;
  const listening = new Promise<{ port: number }>((resolve) =>
    s.on('listening', (addr) => resolve((addr as { udp: { port: number } }).udp)),
  );
  s.listen({ udp: { port: 0, address: '127.0.0.1' } });
  return (await listening).port;
}

describe('numero doctor reads the From domain’s DNS', () => {
  it('finds the DKIM key, SPF and DMARC when published, and says what to publish when not', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-dns-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(dir, 'dkim.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const p = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const env = {
      NUMERO_DATA_DIR: dir,
      NUMERO_ISSUES_DIR: ISSUES_DIR,
      DKIM_DOMAIN: 'bruxelles-korner.example',
      DKIM_SELECTOR: 'numero',
      DKIM_PRIVATE_KEY: keyFile,
    };
    const port = await startDns({
      'numero._domainkey.bruxelles-korner.example': [`v=DKIM1; k=rsa; p=${p}`],
      'bruxelles-korner.example': ['v=spf1 include:_spf.relay.example ~all'],
    });
    const r = await numero(['doctor'], { ...env, DNS_SERVERS: `127.0.0.1:${port}` });
    expect(r.stdout).toContain(
      'ok    dkim: numero._domainkey.bruxelles-korner.example publishes the public key of DKIM_PRIVATE_KEY',
    );
    expect(r.stdout).toContain('ok    spf: bruxelles-korner.example: v=spf1 include:_spf.relay.example ~all');
    expect(r.stdout).toMatch(
      /WARN {2}dmarc: _dmarc\.bruxelles-korner\.example has no DMARC policy .*publish TXT "v=DMARC1; p=none; rua=mailto:dmarc@bruxelles-korner\.example"/,
    );

    // Another key published than the one numero signs with: it says which to publish.
    await server?.close();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'der',
    }) as Buffer;
    const port2 = await startDns({
      'numero._domainkey.bruxelles-korner.example': [`v=DKIM1; k=rsa; p=${other.toString('base64')}`],
    });
    const wrong = await numero(['doctor'], { ...env, DNS_SERVERS: `127.0.0.1:${port2}` });
    expect(wrong.stdout).toContain(
      `WARN  dkim: numero._domainkey.bruxelles-korner.example publishes another key than DKIM_PRIVATE_KEY: publish TXT "v=DKIM1; k=rsa; p=${p}"`,
    );
    expect(wrong.stdout).toMatch(/WARN {2}spf: bruxelles-korner\.example has no SPF record/);
  });
});
