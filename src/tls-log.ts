/**
 * Kamailio's log levels and the module's logger. `tls_log` is the level of the handshake and
 * connection lines, `tls_debug` the level of debug lines; a line is written when its level is at
 * or below the logger's `level` (Kamailio's core `debug`). Peer-caused failures log at INFO, our
 * own faults at ERR (style.md, "Errors").
 */

/** Kamailio's levels: L_ALERT -5 … L_ERR -1, L_WARN 0, L_NOTICE 1, L_INFO 2, L_DBG 3. */
export const LogLevel = {
  ALERT: -5, BUG: -4, CRIT: -3, ERR: -1, WARN: 0, NOTICE: 1, INFO: 2, DBG: 3,
} as const;

/** Where log lines go; replace it to route lines into an application's logger. */
export interface TlsLogger {
  log(level: number, message: string): void;
  /** Whether a line of `level` would be written; when absent, every line is built and passed. */
  wants?(level: number): boolean;
}

const NAMES = new Map<number, string>([
  [-5, 'ALERT'], [-4, 'BUG'], [-3, 'CRITICAL'], [-2, 'CRITICAL'], [-1, 'ERROR'], [0, 'WARNING'], [1, 'NOTICE'], [2, 'INFO'], [3, 'DEBUG'],
]);

/** Writes `LEVEL: tls [sip-tls] message` lines to stderr when `level <= threshold`. */
export class StderrLogger implements TlsLogger {
  /** @param threshold Kamailio's core `debug` value; default 2 (INFO). */
  constructor(public threshold = 2) {}

  wants(level: number): boolean {
    return level <= this.threshold;
  }

  log(level: number, message: string): void {
    if (level > this.threshold) return;
    process.stderr.write(`${new Date().toISOString()} ${NAMES.get(level) ?? (level > 3 ? 'DEBUG' : 'ERROR')}: tls: ${message}\n`);
  }
}
