import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../src/runtime/redis-server.ts';

/**
 * A Dovecot IMAP server of the test's own: a throw-away configuration in a temporary folder, on a
 * free loopback port, one static password for any user, maildirs owned by `nobody`. Null when
 * Dovecot is not installed (.ci/run installs dovecot-imapd).
 */
export interface Dovecot {
  port: number;
  url(user: string, mailbox?: string): string;
  stop(): Promise<void>;
}

export const DOVECOT_PASSWORD = 'bounce-mailbox-secret';

export async function startDovecot(): Promise<Dovecot | null> {
  const bin = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((b) => fs.existsSync(b));
  if (!bin) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numero-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const [uid, gid] = asRoot ? [65534, 65534] : [process.getuid?.() ?? 1000, process.getgid?.() ?? 1000];
  const mail = path.join(dir, 'mail');
  fs.mkdirSync(mail);
  if (asRoot) fs.chownSync(mail, uid, gid);
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = numero-test-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${mail}/%u
mail_uid = ${uid}
mail_gid = ${gid}
${asRoot ? '' : `default_internal_user = ${os.userInfo().username}\ndefault_login_user = ${os.userInfo().username}\n`}passdb {
  driver = static
  args = password=${DOVECOT_PASSWORD}
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  // In the foreground, as the test's own child: stopping it is a signal and an exit to wait for.
  const child = spawn(bin, ['-F', '-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Wait for the port to answer (the master forks its services).
  const net = await import('node:net');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `dovecot did not answer on ${port}: ${fs.readFileSync(`${dir}/dovecot.log`, 'utf8').slice(-2000)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: (user, mailbox = 'INBOX') =>
      `imap://${encodeURIComponent(user)}:${encodeURIComponent(DOVECOT_PASSWORD)}@127.0.0.1:${port}/${mailbox}`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A connected IMAP client of the `bounces` mailbox (to drop messages into it, as a mail server would). */
export async function bouncesClient(dovecot: Dovecot): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'bounces', pass: DOVECOT_PASSWORD },
    logger: false,
  });
  await client.connect();
  return client;
}
