import { type Diagnostic, formatDiagnostic } from '../errors.ts';

export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

/** Errors print as `file:line: field: message`; warnings the same, marked. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], write: (s: string) => void): void {
  for (const d of diagnostics)
    write(d.severity === 'warning' ? `${formatDiagnostic(d)} (warning)` : formatDiagnostic(d));
}
