import pino from 'pino';

/** Structured logs (JSON lines on stderr); level debug shows every delivery, silent shows nothing. */
export function createLogger(name: string, level: string) {
  return pino({ name, level }, pino.destination(2));
}

export type Logger = ReturnType<typeof createLogger>;
