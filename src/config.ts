import fs from 'node:fs';
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
  /** Sites (origins, comma-separated) whose pages may post the signup form or call its JSON API. */
  SIGNUP_ORIGINS: z.string().optional(),
  /** Signups accepted from one client address per hour. */
  SIGNUP_IP_LIMIT: z.coerce.number().int().positive().default(20),
  /** How long a confirmation link works (hours). */
  SIGNUP_CONFIRM_HOURS: z.coerce
    .number()
    .int()
    .positive()
    .max(24 * 30)
    .default(48),
  /** `numero subscribers prune-pending` deletes signups left unconfirmed this many days. */
  SIGNUP_PENDING_DAYS: z.coerce.number().int().positive().default(7),
  /** With tracking clicks-per-reader: days a click (or open) stays tied to its reader. */
  TRACKING_RETENTION_DAYS: z.coerce.number().int().positive().max(3650).default(90),
  /** Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client. */
  TRUST_PROXY: z.string().optional(),
  /** redis://host:6379; unset = a private redis-server started from PATH (data in DATA_DIR/redis). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: 'expected redis://host:port' })
    .optional(),
  /** Names the sending provider: one queue and one rate limit per provider. */
  SEND_PROVIDER: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, { error: 'expected lower-case letters, digits, dashes' })
    .default('default'),
  BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Batch jobs a worker runs at once. */
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** Messages one job has in flight at once. */
  SEND_MESSAGE_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /** Messages a worker process has in flight at once, all its jobs together; default twice SMTP_POOL_SIZE. */
  SEND_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).optional(),
  /** Messages per second for this provider, all workers together; 0 = no limit. */
  SEND_RATE_LIMIT: z.coerce.number().min(0).default(0),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  SMTP_MESSAGES_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SEND_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
  SEND_THROTTLE_WAIT_MS: z.coerce.number().int().min(10).default(10_000),
  /** Pause a campaign when more than this share of its attempts get a 5.7.x policy rejection. */
  SEND_POLICY_PAUSE_SHARE: z.coerce.number().min(0).max(1).default(0.05),
  /** VERP return path domain (bounces+CAMPAIGN.SUBSCRIBER@…); default: the From address's domain. */
  BOUNCE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, { error: 'expected a domain name' })
    .optional(),
  DKIM_DOMAIN: z.string().optional(),
  DKIM_SELECTOR: z.string().optional(),
  /** PEM private key (the key itself, with \\n for newlines, or a path to a file). Secret. */
  DKIM_PRIVATE_KEY: z.string().optional(),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** The ledger catches up with what Redis recorded every this many outcomes of a job … */
  LEDGER_FLUSH_EVERY: z.coerce.number().int().min(1).max(1000).default(100),
  /** … or this long after its last write. */
  LEDGER_FLUSH_MS: z.coerce.number().int().min(10).default(1_000),
  /** How long a worker holds a batch job before others may take it back (BullMQ lock). */
  SEND_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Bearer token (or login password) of the ops dashboard and /metrics on `numero serve`. Secret. */
  OPS_TOKEN: z
    .string()
    .min(24, { error: 'must be at least 24 characters (openssl rand -hex 24)' })
    .optional(),
  /** Who may receive the preview's test sends: addresses or domains, comma-separated; unset = anyone, sample readers only. */
  PREVIEW_TEST_RECIPIENTS: z.string().optional(),
  /** Test sends per minute from one preview. */
  PREVIEW_TEST_RATE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Host names the preview answers to besides loopback (when it is bound to another address). */
  PREVIEW_HOSTS: z.string().optional(),
  /** DNS servers numero doctor asks (comma-separated IP[:port]); unset = the system's. */
  DNS_SERVERS: z.string().optional(),
  /** A worker's /metrics, /healthz and /readyz port; unset = none. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The inbound SMTP listener for bounces and mailto unsubscribes (`numero inbound`, or inside serve). */
  INBOUND_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  INBOUND_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Largest message accepted, in bytes (a DSN with its original is rarely above 1 MB). */
  INBOUND_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  INBOUND_MAX_CLIENTS: z.coerce.number().int().min(1).default(20),
  /** Connections one client address may hold at once on the inbound listener. */
  INBOUND_MAX_PER_CLIENT: z.coerce.number().int().min(1).default(3),
  /** The longest an inbound SMTP session may last, idle or not (NOOPs do not extend it). */
  INBOUND_SESSION_MS: z.coerce.number().int().min(1000).default(120_000),
  /** PEM files: with both, the listener offers STARTTLS. */
  INBOUND_TLS_KEY: z.string().min(1).optional(),
  INBOUND_TLS_CERT: z.string().min(1).optional(),
  /** imaps://user:password@host:993/INBOX: a mailbox where bounces land, polled. Secret (password). */
  BOUNCE_IMAP_URL: z
    .string()
    .regex(/^imaps?:\/\//, { error: 'expected imaps://user:password@host:993/MAILBOX' })
    .optional(),
  BOUNCE_IMAP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Where processed messages are moved (created when missing). */
  BOUNCE_IMAP_DONE_MAILBOX: z.string().min(1).default('numero-processed'),
  SOFT_BOUNCE_LIMIT: z.coerce.number().int().min(1).default(3),
  BOUNCE_KEEP_DAYS: z.coerce.number().min(0).default(30),
  /** Reports naming a delivery in the unsigned format of old are accepted this long after their campaign began. */
  BOUNCE_LEGACY_DAYS: z.coerce.number().min(0).default(30),
  /** Amazon SNS topics (ARNs, comma-separated) whose notifications are accepted; unset = SES webhook off. */
  SES_SNS_TOPIC_ARNS: z.string().optional(),
  /** Postmark webhook basic-auth credentials (set both): unset = Postmark webhook off. Secret. */
  POSTMARK_WEBHOOK_USER: z.string().min(1).optional(),
  POSTMARK_WEBHOOK_PASSWORD: z.string().min(16, { error: 'at least 16 characters' }).optional(),
  /** Mailgun's HTTP webhook signing key (Sending → Webhooks): unset = Mailgun webhook off. Secret. */
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(16, { error: 'at least 16 characters' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly publicUrl: string;
  readonly issuesDir: string;
  readonly templatesDir: string;
  readonly dataDir: string;
  readonly smtpUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly unsubscribeSecret: string | undefined;
  /** Domain of the `mailto:unsubscribe+TOKEN@…` address (UNSUBSCRIBE_MAILTO_DOMAIN); null = no mailto. */
  readonly unsubscribeMailtoDomain: string | null;
  readonly unsubscribeRateLimit: number;
  readonly trustedProxies: readonly string[];
  readonly redisUrl: string | undefined;
  readonly opsToken: string | undefined;
  readonly dnsServers: readonly string[];
  readonly preview: {
    /** null = any address, but sample readers only. */
    testRecipients: readonly string[] | null;
    testSendsPerMinute: number;
    hosts: readonly string[];
  };
  /** Where a worker serves its metrics and health, or null. */
  readonly metrics: { port: number; host: string } | null;
  readonly logLevel: string;
  readonly send: SendConfig;
  readonly inbound: InboundConfig;
  readonly signup: SignupConfig;
  /** Days a click or an open stays tied to its reader (tracking clicks-per-reader). */
  readonly trackingRetentionDays: number;
}

export interface SignupConfig {
  /** Origins (scheme://host[:port]) besides PUBLIC_URL's whose pages may post the form. */
  origins: readonly string[];
  perIpPerHour: number;
  confirmHours: number;
  pendingDays: number;
}

export interface InboundConfig {
  smtp: {
    port: number;
    host: string;
    maxBytes: number;
    maxClients: number;
    maxPerClient: number;
    sessionMs: number;
    tls: { key: string; cert: string } | null;
  } | null;
  imap: { url: string; intervalMs: number; doneMailbox: string } | null;
  /** Domains whose bounces+… and unsubscribe+… addresses numero receives. */
  domains: readonly string[];
  /** INBOUND_MAX_BYTES: the largest message taken in, by SMTP or from the IMAP mailbox. */
  maxBytes: number;
  softBounceLimit: number;
  keepDays: number;
  legacyDays: number;
  sesTopicArns: readonly string[] | null;
  postmark: { user: string; password: string } | null;
  /** The key Mailgun signs its webhooks with (HMAC-SHA256 of timestamp + token). */
  mailgunSigningKey: string | null;
}

export interface SendConfig {
  provider: string;
  batchSize: number;
  concurrency: number;
  messageConcurrency: number;
  inFlight: number;
  ratePerSecond: number;
  poolSize: number;
  messagesPerConnection: number;
  maxAttempts: number;
  retryBaseMs: number;
  throttleWaitMs: number;
  policyPauseShare: number;
  bounceDomain: string | undefined;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  reconcileIntervalMs: number;
  lockMs: number;
  ledgerFlushEvery: number;
  ledgerFlushMs: number;
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
    // Only when something receives it: advertising a mailto nobody reads fails readers silently.
    unsubscribeMailtoDomain:
      e.UNSUBSCRIBE_MAILTO_DOMAIN ?? (e.INBOUND_SMTP_PORT !== undefined ? (e.BOUNCE_DOMAIN ?? null) : null),
    unsubscribeRateLimit: e.UNSUBSCRIBE_RATE_LIMIT,
    trustedProxies: e.TRUST_PROXY ? list(e.TRUST_PROXY) : [],
    redisUrl: e.REDIS_URL,
    opsToken: e.OPS_TOKEN,
    dnsServers: e.DNS_SERVERS ? list(e.DNS_SERVERS) : [],
    preview: Object.freeze({
      testRecipients: e.PREVIEW_TEST_RECIPIENTS ? list(e.PREVIEW_TEST_RECIPIENTS) : null,
      testSendsPerMinute: e.PREVIEW_TEST_RATE,
      hosts: e.PREVIEW_HOSTS ? list(e.PREVIEW_HOSTS) : [],
    }),
    metrics: e.METRICS_PORT === undefined ? null : { port: e.METRICS_PORT, host: e.METRICS_HOST },
    logLevel: e.LOG_LEVEL,
    send: Object.freeze({
      provider: e.SEND_PROVIDER,
      batchSize: e.BATCH_SIZE,
      concurrency: e.SEND_CONCURRENCY,
      messageConcurrency: e.SEND_MESSAGE_CONCURRENCY,
      inFlight: e.SEND_IN_FLIGHT ?? 2 * e.SMTP_POOL_SIZE,
      ratePerSecond: e.SEND_RATE_LIMIT,
      poolSize: e.SMTP_POOL_SIZE,
      messagesPerConnection: e.SMTP_MESSAGES_PER_CONNECTION,
      maxAttempts: e.SEND_MAX_ATTEMPTS,
      retryBaseMs: e.SEND_RETRY_BASE_MS,
      throttleWaitMs: e.SEND_THROTTLE_WAIT_MS,
      policyPauseShare: e.SEND_POLICY_PAUSE_SHARE,
      bounceDomain: e.BOUNCE_DOMAIN,
      dkim: dkimSettings(e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY),
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      lockMs: e.SEND_LOCK_MS,
      ledgerFlushEvery: e.LEDGER_FLUSH_EVERY,
      ledgerFlushMs: e.LEDGER_FLUSH_MS,
    }),
    signup: Object.freeze({
      origins: e.SIGNUP_ORIGINS ? list(e.SIGNUP_ORIGINS).map(originOf) : [],
      perIpPerHour: e.SIGNUP_IP_LIMIT,
      confirmHours: e.SIGNUP_CONFIRM_HOURS,
      pendingDays: e.SIGNUP_PENDING_DAYS,
    }),
    trackingRetentionDays: e.TRACKING_RETENTION_DAYS,
    inbound: Object.freeze({
      smtp:
        e.INBOUND_SMTP_PORT === undefined
          ? null
          : {
              port: e.INBOUND_SMTP_PORT,
              host: e.INBOUND_SMTP_HOST,
              maxBytes: e.INBOUND_MAX_BYTES,
              maxClients: e.INBOUND_MAX_CLIENTS,
              maxPerClient: e.INBOUND_MAX_PER_CLIENT,
              sessionMs: e.INBOUND_SESSION_MS,
              tls:
                e.INBOUND_TLS_KEY && e.INBOUND_TLS_CERT
                  ? { key: e.INBOUND_TLS_KEY, cert: e.INBOUND_TLS_CERT }
                  : null,
            },
      imap: e.BOUNCE_IMAP_URL
        ? {
            url: e.BOUNCE_IMAP_URL,
            intervalMs: e.BOUNCE_IMAP_INTERVAL_MS,
            doneMailbox: e.BOUNCE_IMAP_DONE_MAILBOX,
          }
        : null,
      domains: [
        ...new Set(
          [e.BOUNCE_DOMAIN, e.UNSUBSCRIBE_MAILTO_DOMAIN]
            .filter((d): d is string => !!d)
            .map((d) => d.toLowerCase()),
        ),
      ],
      maxBytes: e.INBOUND_MAX_BYTES,
      softBounceLimit: e.SOFT_BOUNCE_LIMIT,
      keepDays: e.BOUNCE_KEEP_DAYS,
      legacyDays: e.BOUNCE_LEGACY_DAYS,
      sesTopicArns: e.SES_SNS_TOPIC_ARNS
        ? e.SES_SNS_TOPIC_ARNS.split(',')
            .map((a) => a.trim())
            .filter(Boolean)
        : null,
      postmark:
        e.POSTMARK_WEBHOOK_USER && e.POSTMARK_WEBHOOK_PASSWORD
          ? { user: e.POSTMARK_WEBHOOK_USER, password: e.POSTMARK_WEBHOOK_PASSWORD }
          : null,
      mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY ?? null,
    }),
  });
}

/** `https://example.org/` or `https://example.org` → `https://example.org`; a clear error otherwise. */
function originOf(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
  } catch {}
  throw new NumeroError(
    'CONFIG_INVALID',
    `SIGNUP_ORIGINS: "${value}" is not an origin such as https://example.org`,
  );
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

function dkimSettings(domain?: string, selector?: string, key?: string): SendConfig['dkim'] {
  const given = [domain, selector, key].filter(Boolean).length;
  if (given === 0) return null;
  if (given < 3) {
    throw new NumeroError(
      'CONFIG_INVALID',
      'DKIM needs all three of DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY',
    );
  }
  const value = key as string;
  const pem = value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : fs.readFileSync(value, 'utf8');
  return { domainName: domain as string, keySelector: selector as string, privateKey: pem };
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
