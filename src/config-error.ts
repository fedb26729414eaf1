/**
 * The one error type of the configuration: every message reads `file:line:col: message`, as
 * Kamailio's cfg parser prints it, so an operator can jump to the spot.
 */
export interface ConfigErrorLocation {
  /** The file as given (tls.cfg, a file of a config directory, or sip-tls.ini); '' when none. */
  file?: string;
  /** 1-based line; 0 when the error is not tied to a line. */
  line?: number;
  /** 1-based column; 0 when the error is not tied to a column. */
  col?: number;
  /** The parameter or tls.cfg key concerned, by its Kamailio name; '' when none. */
  parameter?: string;
}

export class ConfigError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly parameter: string;
  /** The message without the location prefix. */
  readonly reason: string;
  /**
   * Every error found in the same check, this one first. A loader that recovers after an
   * error (the tls.cfg parser does) throws the first and keeps the rest here.
   */
  errors: ConfigError[];

  constructor(reason: string, where: ConfigErrorLocation = {}) {
    const file = where.file ?? '';
    const line = where.line ?? 0;
    const col = where.col ?? 0;
    super(`${formatLocation(file, line, col)}${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
    this.col = col;
    this.parameter = where.parameter ?? '';
    this.reason = reason;
    this.errors = [this];
  }

  /** Throws the first of `errors` (carrying all of them) when there is any. */
  static throwIfAny(errors: ConfigError[]): void {
    if (errors.length === 0) return;
    const first = errors[0];
    first.errors = errors.slice();
    throw first;
  }
}

function formatLocation(file: string, line: number, col: number): string {
  if (!file && !line) return '';
  return `${file || '<params>'}:${line}:${col}: `;
}
