import path from 'node:path';
import { z } from 'zod';
import { NumeroError } from './errors.ts';

/**
 * The only reader of `process.env`. Every variable numero reads is declared here, validated once
 * and frozen; the README's table of variables mirrors this schema.
 */
const EnvSchema = z.object({
  PUBLIC_URL: z
    .url({ error: 'expected an absolute URL such as https://lettre.example.org' })
    .default('http://127.0.0.1:8080'),
  NUMERO_ISSUES_DIR: z.string().min(1).default('issues'),
  NUMERO_TEMPLATES_DIR: z.string().min(1).default('templates'),
  /** Local state: the SMTP capture's outbox, and later the database and the private Redis. */
  NUMERO_DATA_DIR: z.string().min(1).default('.numero'),
  /** smtp://user:pass@host:587 or smtps://…; unset = the built-in capture writing to DATA_DIR/outbox. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { error: 'expected smtp://host:port or smtps://user:password@host:465' })
    .optional(),
});

export interface Config {
  readonly publicUrl: string;
  readonly issuesDir: string;
  readonly templatesDir: string;
  readonly dataDir: string;
  readonly smtpUrl: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    // Never echo the value: SMTP_URL may carry a password.
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new NumeroError('CONFIG_INVALID', `invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
    issuesDir: path.resolve(e.NUMERO_ISSUES_DIR),
    templatesDir: path.resolve(e.NUMERO_TEMPLATES_DIR),
    dataDir: path.resolve(e.NUMERO_DATA_DIR),
    smtpUrl: e.SMTP_URL,
  });
}
