import path from 'node:path';
import { type Capture, startCapture } from './smtp-capture.ts';

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
  const capture = await startCapture({ dir: path.join(config.dataDir, 'outbox') });
  return {
    url: capture.url,
    description: `the built-in capture (${capture.url}), writing to ${path.relative(process.cwd(), capture.dir) || capture.dir}/`,
    capture,
    close: () => capture.close(),
  };
}
