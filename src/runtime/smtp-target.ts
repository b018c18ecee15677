import path from 'node:path';
import type { Capture } from './smtp-capture.ts';

/** Where messages go: SMTP_URL when set, otherwise the built-in capture writing .eml files. */
export interface SmtpTarget {
  url: string;
  /** Safe to print: never contains the password. */
  description: string;
  capture: Capture | null;
  close(): Promise<void>;
}

export async function resolveSmtp(config: {
  smtpUrl: string | undefined;
  dataDir: string;
}): Promise<SmtpTarget> {
  if (config.smtpUrl) {
    const u = new URL(config.smtpUrl);
    return {
      url: config.smtpUrl,
      description: `${u.protocol}//${u.host}`,
      capture: null,
      close: async () => {},
    };
  }
  // Loaded only when it runs: a worker sending to a real relay never needs smtp-server.
  const { startCapture } = await import('./smtp-capture.ts');
  const capture = await startCapture({ dir: path.join(config.dataDir, 'outbox') });
  return {
    url: capture.url,
    description: `the built-in capture (${capture.url}), writing to ${path.relative(process.cwd(), capture.dir) || capture.dir}/`,
    capture,
    close: () => capture.close(),
  };
}
