/**
 * One error base with stable string codes.
 *
 * `NumeroError`s are user errors: the CLI prints their message (no stack) and exits 1.
 * Anything else reaching the top is a bug and is printed with its stack.
 * `retryable` tells later stages (queue, send) whether trying again can help.
 */
export type ErrorCode =
  | 'ISSUE_INVALID' // an issue file failed to parse or validate
  | 'ISSUE_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_FAILED' // a template threw or MJML rejected it
  | 'DATA_INVALID' // articles.yml / newsletter.yml
  | 'CONFIG_INVALID'
  | 'ADDRESS_INVALID'
  | 'SMTP_FAILED'
  | 'USAGE';

export class NumeroError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NumeroError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export type Severity = 'error' | 'warning';

/** One finding about a file, printed as `file:line: field: message`. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  line?: number | undefined;
  field: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  return `${where}: ${d.field}: ${d.message}`;
}

/** Raised when a file has one or more errors; carries every diagnostic, not only the first. */
export class InvalidFileError extends NumeroError {
  readonly diagnostics: Diagnostic[];

  constructor(code: ErrorCode, diagnostics: Diagnostic[]) {
    super(code, diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InvalidFileError';
    this.diagnostics = diagnostics;
  }
}
