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
  /** postgres://user:pass@host/db, or unset for SQLite at DATA_DIR/numero.db (sqlite:PATH for another file). */
  DATABASE_URL: z.string().min(1).optional(),
  /** Signs unsubscribe links: at least 32 characters, e.g. `openssl rand -hex 32`. Secret. */
  UNSUBSCRIBE_SECRET: z
    .string()
    .min(32, { error: 'must be at least 32 characters (openssl rand -hex 32)' })
    .optional(),
  UNSUBSCRIBE_MAILTO_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, { error: 'expected a domain name' })
    .optional(),
  UNSUBSCRIBE_RATE_LIMIT: z.coerce.number().int().positive().default(30),
});

export interface Config {
  readonly publicUrl: string;
  readonly issuesDir: string;
  readonly templatesDir: string;
  readonly dataDir: string;
  readonly smtpUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly unsubscribeSecret: string | undefined;
  /** Domain of the `mailto:unsubscribe+TOKEN@…` address; defaults to PUBLIC_URL's host. */
  readonly unsubscribeMailtoDomain: string;
  readonly unsubscribeRateLimit: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=` in a compose file) means unset.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(set);
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
    databaseUrl: e.DATABASE_URL,
    unsubscribeSecret: e.UNSUBSCRIBE_SECRET,
    unsubscribeMailtoDomain: e.UNSUBSCRIBE_MAILTO_DOMAIN ?? new URL(e.PUBLIC_URL).hostname,
    unsubscribeRateLimit: e.UNSUBSCRIBE_RATE_LIMIT,
  });
}

/** The unsubscribe signing key, or a clear error saying how to set one. */
export function requireUnsubscribeSecret(config: Config): string {
  if (!config.unsubscribeSecret) {
    throw new NumeroError(
      'CONFIG_INVALID',
      'UNSUBSCRIBE_SECRET is not set: it signs unsubscribe links. Set it in the environment, e.g. export UNSUBSCRIBE_SECRET=$(openssl rand -hex 32)',
    );
  }
  return config.unsubscribeSecret;
}
