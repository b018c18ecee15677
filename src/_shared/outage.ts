/**
 * Whether an error says a service numero depends on is away (the database, Redis, the network),
 * rather than that numero did something wrong. Such errors make work wait and try again; they never
 * fail a reader's delivery or a job for good.
 */
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  '57P01', // admin_shutdown (PostgreSQL restarting)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
]);

const MESSAGES =
  /Connection terminated|connection error|Connection is closed|Connection refused|ECONNREFUSED|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|database is locked|Stream isn't writeable|Reached the max retries per request/i;

export function isOutage(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (CODES.has(code) || code.startsWith('08'))) return true; // class 08: connection exception
  if (MESSAGES.test(e.message)) return true;
  const errors = (e as { errors?: unknown }).errors; // AggregateError from a dual-stack connect
  if (Array.isArray(errors) && errors.some(isOutage)) return true;
  return e.cause !== undefined && e.cause !== e && isOutage(e.cause);
}

/** Backoff for waiting out an outage: 1 s, 2 s, 4 s … up to `capMs`. */
export function outageDelayMs(attempt: number, capMs = 30_000): number {
  return Math.min(capMs, 1_000 * 2 ** Math.max(0, attempt));
}
