import { parseAddress } from '../_shared/address.ts';
import { type Diagnostic, formatDiagnostic, NumeroError } from '../errors.ts';

export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** Errors print as `file:line: field: message`; warnings the same, marked. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], write: (s: string) => void): void {
  for (const d of diagnostics)
    write(d.severity === 'warning' ? `${formatDiagnostic(d)} (warning)` : formatDiagnostic(d));
}

/** A --port value, or a usage error naming it. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new NumeroError('USAGE', `--port: expected a port number, got "${value}"`);
  }
  return port;
}

/** An address given on the command line, or a usage error with the reason. */
export function requireAddress(email: string) {
  const parsed = parseAddress(email);
  if (!parsed.ok) throw new NumeroError('ADDRESS_INVALID', `invalid address "${email}": ${parsed.reason}`);
  return parsed;
}
